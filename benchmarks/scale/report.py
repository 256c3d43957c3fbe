#!/usr/bin/env python3
"""The "scale" section of docs/benchmarks.md, docs/scaling-plot.png and a 100 M estimate, from
one run of benchmarks/scale/run.

    report.py collect RUN_DIR            results.jsonl + meta.json -> RUN_DIR/results.json
    report.py section RUN_DIR            the section (markdown) on stdout
    report.py plot RUN_DIR FILE.png      latency at 1 connection and index memory against trips
    report.py estimate RUN_DIR [N]       time and disk a run up to N trips (default 100,000,000)
                                         needs, extrapolated from the largest size measured

RUN_DIR is the benchmarks/out/scale-<time>/ folder the run wrote. Everything here is derived
from its raw results, so the section and the plot can be regenerated without running again.
Every verdict is computed from the figures as the section prints them (scripts/check-benchmarks
re-derives them from the text). The targets (issue 14) are judged at the run's largest size
when it holds at least TARGET_TRIPS trips (100,000,000; --target-trips to change, e.g. to try
the report on a small run); below that each verdict is "not judged". `plot` needs matplotlib
(the tools venv, build/tools/scale).
"""
import json
import math
import os
import re
import sys

LISTS = ["all", "street", "district", "city", "wide", "region"]
LABEL = {"all": "mix", "street": "street", "district": "district", "city": "city", "wide": "wide",
         "region": "region only"}
TARGET_TRIPS = 100_000_000


def load(run_dir):
    """{"meta": ..., "sizes": {n: {name: data}}, "run": {name: data}} from results.json, or
    from results.jsonl and meta.json when it is not written yet."""
    path = os.path.join(run_dir, "results.json")
    if os.path.exists(path):
        return json.load(open(path))
    meta_path = os.path.join(run_dir, "meta.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
    sizes, run = {}, {}
    for line in open(os.path.join(run_dir, "results.jsonl")):
        if not line.strip():
            continue
        r = json.loads(line)
        if int(r["size"]) == 0:
            run[r["name"]] = r["data"]
        else:
            sizes.setdefault(str(r["size"]), {})[r["name"]] = r["data"]
    return {"meta": meta, "run": run, "sizes": sizes}


def complete_sizes(res):
    """Sizes whose measurements all exist, ascending."""
    need = ("ingest", "disk", "api", "all-1conn", "all-max", "duckdb")
    return sorted((int(n) for n, d in res["sizes"].items() if all(k in d for k in need)))


def fmt_int(x):
    return f"{x:,.0f}"


def M(n):
    return f"{n / 1e6:g} M"


def first_number(text):
    return float(re.search(r"-?\d[\d,]*(?:\.\d+)?", text).group().replace(",", ""))


def judge(shown, op, limit):
    """Verdict on the value as printed (its first number)."""
    v = first_number(shown)
    ok = {"<=": v <= limit, ">=": v >= limit, "=": v == limit}[op]
    return "met" if ok else "**missed**"


class Row:
    """The figures of one size, as the section prints them (strings)."""

    def __init__(self, meta, n, d):
        ing, disk, api = d["ingest"], d["disk"], d["api"]
        top = max(meta.get("rates") or [2000])
        self.n = n
        self.ingest_s = f"{ing['seconds']:.1f}"
        self.ingest_rate = fmt_int(n / ing["seconds"])
        self.pg = f"{disk['tables_bytes'] / n:.1f}"
        self.kafka = f"{disk['kafka_bytes'] / n:.1f}" if disk.get("kafka_bytes") is not None else "not measured"
        self.ready = f"{api['ready_s']:.1f}"
        restart = d.get("api-restart")
        self.restart = f"{restart['ready_s']:.1f}" if restart else "not run"
        self.index = f"{api['index_memory_bytes'] / n:.1f}"
        self.rss = f"{api['rss_bytes'] / n:.1f}"
        self.city_p50 = f"{d['city-1conn']['p50_ms']:.2f}"
        self.sat = fmt_int(d["all-max"]["rps"])
        self.top_rate = top
        self.paced = f"{d[f'all-open-{top}']['p99_ms']:.2f}" if f"all-open-{top}" in d else "not run"
        db = d.get("db-engine")
        self.db_max = f"{db['max_ms'] / 1000:.2f}" if db else "not run"
        self.db_line = (f"database engine (the fallback while no index is loaded, `QUERY_ENGINE=database`): "
                        f"p50 {db['p50_ms'] / 1000:.2f} s, slowest {db['max_ms'] / 1000:.2f} s over the first "
                        f"{db['requests']} requests of the mix, one at a time, {db['non2xx']} not 2xx"
                        if db else "")
        dk = d["duckdb"]
        self.mismatches = dk["mismatches"]
        self.compared = dk["compared"]


def section(run_dir, target_trips=TARGET_TRIPS):
    res = load(run_dir)
    meta, sizes = res["meta"], complete_sizes(res)
    if not sizes:
        sys.exit("report.py: no size with complete results in " + run_dir)
    S = {n: res["sizes"][str(n)] for n in sizes}
    rows = [Row(meta, n, S[n]) for n in sizes]
    big = rows[-1]
    rates = meta.get("rates") or [1000, 2000]
    top = max(rates)
    duck = S[big.n]["duckdb"]
    lines = []
    w = lines.append

    w("## Scale: 100 million trips (issue 14)\n")
    w(f"Run `{meta['command']}` on {meta['date']}; machine: {meta['machine']}; source: {meta['source']}; "
      f"load average (1, 5, 15 min) at the start / end: {meta['load']}. {meta.get('kafka', 'Kafka')}, "
      f"{meta['pg']}, {meta['wrk']}, {meta['vegeta']}, DuckDB {duck['duckdb']}. Kafka, PostgreSQL, the "
      "producer, the consumers, the API, the load generators and DuckDB share the same 2 cores; the steps run "
      "one after another (the producer and the consumers together), and other work on the machine is not "
      "stopped.\n")
    model = S[big.n]["ingest"].get("model")
    train = res.get("run", {}).get("train")
    w(f"Data: per size, that many generated trips (`tripstream-producer --generate N --seed {meta['seed']} "
      f"--weeks {meta['weeks']}`: 6 regions, {meta['weeks']} weeks from 2018-01-01), one CSV, ingested into a "
      f"fresh database from fresh topics: `tripstream-producer` sends the CSV while {meta['consumers']} "
      "`tripstream-consumer` processes (one group, started once the producer has created the topic"
      + (f"; k-means model with k={train['k']} per region trained on {train['trips']:,} trips of the same data"
         if model and train else "; no k-means model") +
      ") store it. *Ingestion*: from the producer's start to the job's completion (every trip committed, "
      "polled twice a second; `count(*)` checked). *PostgreSQL*: every tripstream table with its indexes (`pg_total_relation_size`: "
      "the trips partitions, the aggregates, jobs, offsets) ÷ trips; *Kafka*: the trips topic's partition "
      "folders (`du`, allocated) ÷ trips. `tripstream-api` runs unchanged (`QUERY_ENGINE=index`, "
      "`INDEX_DIR` in the run's folder): *ready* is the process start to `tripstream_index_ready` 1 on "
      "`/metrics` (a full load from PostgreSQL); *restart ready* the same for a second start once the "
      "index has saved itself (the saved copy read, the batches after it caught up); *index* "
      "is `tripstream_index_memory_bytes` (the exact coordinates are in files under `INDEX_DIR`), "
      "*API RSS* the process's resident memory once ready.\n")

    paced_head = f"mix p99 ms at {top:,}/s"
    w(f"| trips | ingestion s | trips/s | PostgreSQL B/trip | Kafka B/trip | API ready s | API restart ready s | index B/trip | "
      f"API RSS B/trip | city p50 ms, 1 connection | mix requests/s, {meta['conns']} connections | {paced_head} | "
      "answers ≠ DuckDB |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        w(f"| {fmt_int(r.n)} | {r.ingest_s} | {r.ingest_rate} | {r.pg} | {r.kafka} | {r.ready} | {r.restart} | {r.index} | "
          f"{r.rss} | {r.city_p50} | {r.sat} | {r.paced} | {r.mismatches} of {fmt_int(r.compared)} |")
    w("")

    details = []
    for n in sizes:
        ing, disk, api = S[n]["ingest"], S[n]["disk"], S[n]["api"]
        prod = ing.get("producer") or {}
        prod_rate = prod.get("rows_per_second") or (prod.get("rows_sent", 0) / prod["seconds"]
                                                    if prod.get("seconds") else None)
        details.append(
            f"{M(n)}: producer {fmt_int(prod_rate) + ' rows/s, ' if prod_rate else ''}peak RSS "
            f"{ing['producer_peak_rss_bytes'] / 2**20:.0f} MiB; consumers' peak RSS (largest) "
            f"{ing['consumer_peak_rss_bytes'] / 2**20:.0f} MiB; trips table "
            f"{disk['trips_bytes'] / n:.1f} B/trip and aggregates {disk['aggregate_bytes'] / n:.1f} B/trip of the "
            f"PostgreSQL figure; index {api['index_memory_bytes'] / 2**20:,.0f} MiB, loaded in "
            f"{api['index_load_s']:.1f} s, exact coordinates in files {api.get('file_bytes', 0) / n:.1f} B/trip; API RSS {api['rss_bytes'] / 2**20:,.0f} MiB once ready, peak "
            f"{max(api['peak_rss_bytes'], S[n].get('api-after', {}).get('peak_rss_bytes', 0)) / 2**20:,.0f} MiB"
            + (f"; {r.db_line}" if (r := next(x for x in rows if x.n == n)).db_line else ""))
    w("Beside the table: " + "; ".join(details) + ".\n")

    # --- latency per class ------------------------------------------------------------------------
    w(f"Latency per request class. Requests: a fixed, seeded list of {int(meta['targets']):,} weekly-average "
      "requests per class (`benchmarks/api/targets.py`: street boxes 0.002-0.01°, district 0.01-0.08°, city "
      "0.08-0.3°, wide 0.3-3°, region only; the mix is 25% street, 25% district, 25% city, 15% wide, 10% "
      f"region; `from`/`to` within the {meta['weeks']} weeks). *1 connection*: wrk, one connection, one "
      f"request at a time (the service time), {meta['duration']} s for the mix and {meta['class_duration']} s "
      f"per class, as every run below; *{meta['conns']} connections*: wrk `-t{meta['threads']} -c{meta['conns']}` "
      "closed loop, the throughput at saturation (its latency is queueing, not shown); *paced*: vegeta open "
      "loop at a constant rate, latency from each request's scheduled send (`benchmarks/api/open_loop.py`), "
      "*answered* the 2xx answers per second. *DuckDB*: the same requests one at a time, each an SQL query "
      f"over the same CSV loaded into a DuckDB table ordered by region and origin longitude (its min/max zone "
      f"maps skip the other regions' row groups; {duck['threads']} threads), execute and fetch; its answers are "
      "compared with the API's below.\n")
    head = ["trips", "requests", "1 connection p50 ms", "1 connection p99 ms", f"{meta['conns']} connections requests/s"]
    for r in rates:
        head += [f"paced {r:,}/s p99 ms", f"paced {r:,}/s answered /s"]
    head += ["errors (non-2xx + socket)", "DuckDB p50 ms", "DuckDB p99 ms"]
    w("| " + " | ".join(head) + " |")
    w("|" + "---|" * len(head))
    for n in sizes:
        d = S[n]
        for lst in LISTS:
            one, sat = d.get(f"{lst}-1conn"), d.get(f"{lst}-max")
            if not one or not sat:
                continue
            cells = [M(n), LABEL[lst], f"{one['p50_ms']:.2f}", f"{one['p99_ms']:.2f}", fmt_int(sat["rps"])]
            errors = one["non2xx"] + one["socket_errors"] + sat["non2xx"] + sat["socket_errors"]
            for r in rates:
                o = d.get(f"{lst}-open-{r}")
                cells += [f"{o['p99_ms']:.2f}", fmt_int(o["rps"])] if o else ["not run", ""]
                if o:
                    errors += o["non2xx"] + o["socket_errors"]
            dc = d["duckdb"]["classes"].get(lst)
            cells += [str(errors), f"{dc['p50_ms']:.1f}" if dc else "", f"{dc['p99_ms']:.1f}" if dc else ""]
            w("| " + " | ".join(cells) + " |")
    w("")

    duck_notes = []
    for n in sizes:
        dk = S[n]["duckdb"]
        duck_notes.append(f"{M(n)}: loaded in {dk['load_s']:.1f} s, {dk['storage_bytes'] / n:.1f} B/trip on disk, "
                          f"{dk['compared']:,} requests answered in {dk['query_s']:.1f} s, "
                          f"{dk['mismatches']} answers differ")
    w("DuckDB comparison (`benchmarks/scale/duckdb_check.py`, no project code): the CSV is read with DuckDB "
      "(points parsed from the WKT text, the doubles checked against Python's on the first rows; `datetime` "
      "as UTC), and each request is answered in SQL with the API's definition (ISO weeks by "
      "`date_trunc('week', …)`, box edges included on the same doubles, region, `from`/`to` widened to whole "
      "weeks, missing ends from the first/last week with data, all four `match` values, zero weeks listed); "
      "weeks, total, the weekly series, `from`/`to` and the average are compared with the API's JSON for "
      "every request. " + "; ".join(duck_notes) + ".\n")

    # --- targets ----------------------------------------------------------------------------------
    judged = big.n >= target_trips
    why = (f"not judged: this run's largest size is {big.n:,} trips, the targets are for {target_trips:,}")
    total_mismatch = sum(r.mismatches for r in rows)
    total_compared = sum(r.compared for r in rows)
    at = f"{M(big.n)} trips"
    targets = [
        (f"paced {top:,} requests/s: p99 ≤ 10 ms", f"the mix at {top:,}/s, open loop, {at}",
         f"{big.paced} ms", "<=", 10),
        ("saturation ≥ 4,000 requests/s", f"the mix, {meta['conns']} connections, closed loop, {at}",
         f"{big.sat} requests/s", ">=", 4000),
        ("city box at 1 connection: p50 ≤ 1.5 ms", f"city boxes, one request at a time, {at}",
         f"{big.city_p50} ms", "<=", 1.5),
        ("index ≤ 16 bytes per trip", f"`tripstream_index_memory_bytes` ÷ trips, {at}", f"{big.index} bytes",
         "<=", 16),
        ("ready ≤ 20 s", f"API restart (saved index) to index ready, {at}", f"{big.restart} s", "<=", 20),
        ("database fallback: p99 ≤ 1 s", f"the slowest of the database engine's requests, {at}",
         big.db_max + ("" if big.db_max == "not run" else " s"), "<=", 1),
        ("ingestion ≤ 300 s", f"producer start to the last commit, {meta['consumers']} consumers, {at}",
         f"{big.ingest_s} s", "<=", 300),
        ("totals equal DuckDB's: mismatches = 0",
         f"every request at every size ({total_compared:,} answers)", f"{total_mismatch}", "=", 0),
    ]
    w("| target | judged on | value | verdict |")
    w("|---|---|---|---|")
    for target, on, value, op, limit in targets:
        if value.startswith("not run"):
            verdict = "not judged: not run (--db-requests 0)"
        else:
            verdict = judge(value, op, limit) if judged or op == "=" else why
        w(f"| {target} | {on} | {value} | {verdict} |")
    return "\n".join(lines) + "\n"


def plot(run_dir, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    res = load(run_dir)
    meta, sizes = res["meta"], complete_sizes(res)
    S = {n: res["sizes"][str(n)] for n in sizes}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, lst in enumerate(LISTS):
        ns = [n for n in sizes if f"{lst}-1conn" in S[n]]
        if not ns:
            continue
        c = colours[i % len(colours)]
        ax1.plot(ns, [S[n][f"{lst}-1conn"]["p50_ms"] for n in ns], "o-", color=c, label=f"{LABEL[lst]} p50")
        ax1.plot(ns, [S[n][f"{lst}-1conn"]["p99_ms"] for n in ns], "s--", color=c, label=f"{LABEL[lst]} p99")
    lo, hi = min(sizes), max(max(sizes), TARGET_TRIPS)
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlim(lo / 2, hi * 2)
    ax1.set_xlabel("trips")
    ax1.set_ylabel("latency, ms (1 connection, one request at a time)")
    ax1.set_title("weekly-average latency per request class")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=7, ncol=2)
    mem = [S[n]["api"]["index_memory_bytes"] / 2**20 for n in sizes]
    rss = [S[n]["api"]["rss_bytes"] / 2**20 for n in sizes]
    ax2.plot(sizes, mem, "o-", label="index (tripstream_index_memory_bytes)")
    ax2.plot(sizes, rss, "s-", label="API process RSS, index ready")
    ax2.plot([lo, hi], [lo * 16 / 2**20, hi * 16 / 2**20], "k:", label="16 bytes per trip (target)")
    for n, m in zip(sizes, mem):
        ax2.annotate(f"{m * 2**20 / n:.1f} B/trip", (n, m), textcoords="offset points", xytext=(5, -12), fontsize=8)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlim(lo / 2, hi * 2)
    ax2.set_xlabel("trips")
    ax2.set_ylabel("MiB")
    ax2.set_title("API memory")
    ax2.grid(True, which="both", alpha=0.3)
    ax2.legend(fontsize=8)
    fig.suptitle(f"{meta.get('command', 'benchmarks/scale/run')}, {meta.get('date', '')}, "
                 f"{meta.get('machine', '').split(',')[0]} ({meta.get('machine', '').split(',')[1].strip()})"
                 if meta.get("machine") else meta.get("command", ""), fontsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def estimate(run_dir, target=TARGET_TRIPS):
    """Time and disk of `benchmarks/scale/run TARGET`, from the largest size measured: the
    data-proportional phases scaled linearly by trips, the timed runs taken as they are."""
    res = load(run_dir)
    meta, sizes = res["meta"], complete_sizes(res)
    if not sizes:
        sys.exit("report.py: no complete size in " + run_dir)
    n = sizes[-1]
    d = res["sizes"][str(n)]
    gen = next((res["sizes"][str(s)]["generate"] for s in reversed(sizes)
                if not res["sizes"][str(s)]["generate"].get("reused")), None)
    gen_per_trip = gen["seconds"] / next(s for s in reversed(sizes)
                                         if res["sizes"][str(s)]["generate"] is gen) if gen else 1e-6
    per_trip = {
        "generate": gen_per_trip,
        "ingest": d["ingest"]["seconds"] / n,
        "index load": d["api"]["ready_s"] / n,
        "API answers": d["answers"]["seconds"] / n,
        "DuckDB load": d["duckdb"]["load_s"] / n,
        "DuckDB queries": d["duckdb"]["query_s"] / n,
    }
    measured_scaled = sum(per_trip[k] * n for k in per_trip if k != "generate")
    measured_scaled += 0 if d["generate"].get("reused") else d["generate"]["seconds"]
    fixed = max(0.0, d["size"]["seconds"] - measured_scaled)  # latency runs, set-up, clean-up
    plan = [s for s in (1_000_000, 10_000_000, 100_000_000) if s <= target]
    if not plan or plan[-1] != target:
        plan.append(target)
    out = [f"estimate for `benchmarks/scale/run {target}` (sizes {', '.join(M(s) for s in plan)}), from the "
           f"{M(n)} size of {run_dir}: data-proportional phases scaled linearly by trips (an upper bound for "
           "the index-answered requests, whose latency grows more slowly), the timed latency runs "
           f"({fixed / 60:.1f} min a size) as measured:"]
    total = 0.0
    for s in plan:
        phases = {k: v * s for k, v in per_trip.items()}
        t = sum(phases.values()) + fixed
        total += t
        out.append(f"  {M(s)}: {t / 60:.0f} min ("
                   + ", ".join(f"{k} {v / 60:.1f} min" for k, v in phases.items()) + ")")
    out.append(f"  whole run: about {total / 3600:.1f} h")
    csv_b = d["generate"]["bytes"] / n
    kafka_b = (d["disk"]["kafka_bytes"] or 0) / n
    pg_b = d["disk"]["database_bytes"] / n
    duck_b = d["duckdb"]["storage_bytes"] / n
    wal = meta.get("max_wal_bytes", 0)
    peak = target * (csv_b + kafka_b + pg_b + duck_b) + wal
    out.append(f"  disk at {M(target)} (the largest size, held at once: the CSV {csv_b:.0f} B/trip, Kafka "
               f"{kafka_b:.0f}, the PostgreSQL database {pg_b:.0f}, DuckDB {duck_b:.0f}, plus max_wal_size "
               f"{wal / 1e9:.0f} GB): about {peak / 1e9:.0f} GB; Kafka's topic is deleted before DuckDB loads, so "
               f"the peak is nearer {(peak - target * min(kafka_b, duck_b)) / 1e9:.0f} GB")
    api = d["api"]
    peak_rss = max(api["peak_rss_bytes"], d.get("api-after", {}).get("peak_rss_bytes", 0))
    out.append(f"  memory at {M(target)}: index about {api['index_memory_bytes'] / n * target / 2**30:.1f} GiB, "
               f"API peak RSS about {peak_rss / n * target / 2**30:.1f} GiB (linear)")
    return "\n".join(out) + "\n"


def collect(run_dir):
    res = load(run_dir)
    with open(os.path.join(run_dir, "results.json"), "w") as f:
        json.dump(res, f, indent=1)


def main():
    args = sys.argv[1:]
    target_trips = TARGET_TRIPS
    if "--target-trips" in args:
        i = args.index("--target-trips")
        target_trips = int(args[i + 1])
        del args[i:i + 2]
    if len(args) < 2 or args[0] not in ("collect", "section", "plot", "estimate"):
        sys.exit(__doc__)
    cmd, run_dir = args[0], args[1]
    if cmd == "collect":
        collect(run_dir)
    elif cmd == "section":
        sys.stdout.write(section(run_dir, target_trips))
    elif cmd == "plot":
        plot(run_dir, args[2])
    else:
        sys.stdout.write(estimate(run_dir, int(args[2]) if len(args) > 2 else TARGET_TRIPS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
