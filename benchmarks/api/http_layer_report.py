#!/usr/bin/env python3
"""The "HTTP layer (issue 12)" section of docs/benchmarks.md, from one run's raw results.

    http_layer_report.py RUN_DIR

RUN_DIR is the benchmarks/out/http-<time>/ folder benchmarks/api/http_layer_run wrote:
results.tsv (one measurement a line: name <TAB> JSON) and meta.json (the run's parameters,
command, date, machine, source, tool versions). Prints the section on stdout, so it can be
regenerated from the stored raw results without running again.

Every verdict is computed here from the figures the section prints, rounded as printed
(scripts/check-benchmarks re-derives them from the text). Verdicts judge the new server; the
old server's figures are the "before".
"""
import json
import os
import re
import statistics
import sys

MB = 1e6


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import fmt_int, judge  # noqa: E402  (the API section's formatting and verdicts)


def errors_of(r):
    return r["non2xx"] + r["socket_errors"]


def codes_text(r):
    """The non-2xx answers and socket errors of a vegeta run, most frequent first."""
    bad = {k: v for k, v in r.get("codes", {}).items() if not k.startswith("2")}
    if not bad:
        return "none"
    return ", ".join(f"{v:,} × {k}" for k, v in sorted(bad.items(), key=lambda kv: -kv[1])[:3])


def main():
    run_dir = sys.argv[1]
    meta = json.load(open(os.path.join(run_dir, "meta.json")))
    R = {}
    for line in open(os.path.join(run_dir, "results.tsv")):
        k, v = line.rstrip("\n").split("\t", 1)
        R[k] = json.loads(v)
    kinds = meta["servers"].split()
    both = kinds == ["old", "new"]
    subs_n, slow_n = int(meta["subscribers"]), int(meta["slow_clients"])
    rate, conns, rounds = int(meta["rate"]), int(meta["conns"]), int(meta["rounds"])
    lines = []
    w = lines.append

    # --- per-server figures -----------------------------------------------------------------
    F = {}
    for k in kinds:
        sse, proc = R[f"sse-{k}"], R[f"proc-{k}-subscribers"]
        ticks = proc["ticks"]
        connected = sse["connected"]
        seen = sse["statuses_seen"]
        # Subscribers lacking a status: against every status any subscriber got after the
        # mark; when fewer distinct statuses arrived than changes were caused, every connected
        # subscriber lacks the difference too.
        missing = sse["clients_missing_statuses"] if seen >= ticks else connected
        wrk = [R[f"{k}-wrk-{r}"]["rps"] for r in range(1, rounds + 1)]
        F[k] = dict(
            kind=k, sse=sse, proc=proc, ticks=ticks, missing=missing,
            not_served=(sse["clients"] - connected) + sse["closed_early"],
            rss_before=proc["before"]["rss_bytes"], rss_peak=proc["peak"]["rss_bytes"],
            rss_growth=proc["peak"]["rss_bytes"] - proc["before"]["rss_bytes"],
            thr_before=proc["before"]["threads"], thr_peak=proc["peak"]["threads"],
            paced=R[f"{k}-paced"], paced_sub=R[f"{k}-paced-subscribers"], paced_slow=R[f"{k}-paced-slow"],
            slow=R[f"slow-{k}"], slow_proc=R[f"proc-{k}-slow"],
            index=R[f"index-{k}-main"], wrk=wrk, wrk_median=statistics.median(wrk),
            log=R.get(f"log-{k}", {"lines": 0, "errors": 0, "first": ""}))
        p0, p1 = round(F[k]["paced"]["p99_ms"], 2), round(F[k]["paced_sub"]["p99_ms"], 2)
        F[k]["ratio"] = p1 / p0 if p0 > 0 else float("inf")

    w("## HTTP layer (issue 12)\n")
    w(f"Run `{meta['command']}` on {meta['date']}; machine: {meta['machine']}; source: {meta['source']}; "
      f"load average (1, 5, 15 min) at the start / end: {meta['load']}. {meta['wrk']}, {meta['vegeta']}, "
      f"{meta['pg']}. The load generators, both servers (one at a time), PostgreSQL and Kafka share the "
      "same cores; other work on the machine is not stopped.\n")
    w("To reproduce: `benchmarks/api/http_layer_run` (builds the release tree, and the old server from a git "
      "worktree when missing; `--no-build` uses the built binaries, `--help` lists the options).\n")
    d = R["data"]
    idx = F[kinds[-1]]["index"]
    w(f"Both servers run on the same database ({d['trips']:,} generated trips and six finished ingestion "
      "jobs, dedicated to the run) with the same environment (`QUERY_ENGINE=index`, `LOG_LEVEL=warn`, no "
      "API key, bench topic names) and each its own tree's `config.yml`: the old tree's has no keys for the "
      "new server's settings, which run at their defaults (threads one per core, connection caps, "
      f"deadlines). The index of {d['trips']:,} trips takes {idx['memory_bytes'] / MB:.0f} MB "
      "(`tripstream_index_memory_bytes`).\n")
    w(f"Phases, on one start of each server (after a 5 s warm-up): (a) the paced query mix "
      f"(`benchmarks/api/targets.py`, {rate:,} requests/s for {meta['duration']} s, vegeta open loop, latency "
      "from each request's scheduled send as in the API section) while the status changes once a second; "
      f"(b) {subs_n:,} event streams on `/v1/ingestion/events` (`tripstream-sse-clients`, from "
      f"{meta['sub_addresses']} loopback addresses), then a known number of status changes, one a second (a "
      "job row updated and `NOTIFY tripstream_status`), while the same paced mix runs again; every status "
      "event each subscriber gets after all are connected is fingerprinted and compared with every status "
      "any subscriber got; API RSS and threads (`/proc/PID/status`) just before the subscribers and sampled "
      f"every half second while they are held (peak); (c) {slow_n:,} slow-header clients "
      f"(`benchmarks/api/slow_clients.py`, from 16 loopback addresses, one header byte every "
      f"{meta['slow_interval']} s, never finishing, reconnecting at once when closed) while a well-behaved "
      f"client (vegeta, another address) sends the paced mix. Throughput: wrk `-t{meta['threads']} -c{conns}` "
      f"closed loop for {meta['wrk_duration']} s, {rounds} round(s) on fresh starts in alternating order.\n")

    def row(label, f):
        vals = [f(F[k]) if k in F else "not run" for k in ("old", "new")]
        w(f"| {label} | {vals[0]} | {vals[1]} |")

    w("| measure | old server | new server |")
    w("|---|---|---|")
    row("RSS and threads after the index loaded and the paced run (before subscribers)",
        lambda f: f"{f['rss_before'] / MB:.0f} MB, {f['thr_before']:,} threads")
    row(f"subscribers connected (HTTP 200 and a first status) of {subs_n:,}",
        lambda f: f"{f['sse']['connected']:,} in {f['sse']['all_connected_s']:.1f} s"
        + ("" if not f["sse"]["failures"] else " (refused: " + ", ".join(
            f"{v:,} × {k}" for k, v in f["sse"]["failures"].items()) + ")"))
    row("subscribers closed early by the server", lambda f: f"{f['sse']['closed_early']:,}")
    row("status changes caused while held / distinct statuses received / reference subscriber's",
        lambda f: f"{f['ticks']} / {f['sse']['statuses_seen']} / {f['sse']['reference_statuses']}")
    row("status events per subscriber after the mark: min / median / max",
        lambda f: f"{f['sse']['after_mark_min']:.0f} / {f['sse']['after_mark_median']:.0f} / {f['sse']['after_mark_max']:.0f}")
    row("subscribers lacking a status (statuses lacked in all)",
        lambda f: f"{f['missing']:,} ({f['sse']['statuses_missed']:,})")
    row("first status after connecting: p50 / p99", lambda f: f"{f['sse']['first_event_ms_p50']:.0f} / {f['sse']['first_event_ms_p99']:.0f} ms")
    row("RSS while the subscribers are held (peak), growth over before",
        lambda f: f"{f['rss_peak'] / MB:.0f} MB, +{f['rss_growth'] / MB:.0f} MB")
    row("threads while the subscribers are held (peak)", lambda f: f"{f['thr_peak']:,}")
    row("seconds until the server held no connection after the subscribers left",
        lambda f: f"{f['proc']['drained_s']:.1f}")
    row(f"paced mix p99 (p50), no subscribers; errors",
        lambda f: f"{f['paced']['p99_ms']:.2f} ms ({f['paced']['p50_ms']:.2f} ms); {errors_of(f['paced']):,}")
    row(f"paced mix p99 (p50), {subs_n:,} subscribers held; errors",
        lambda f: f"{f['paced_sub']['p99_ms']:.2f} ms ({f['paced_sub']['p50_ms']:.2f} ms); "
        f"{errors_of(f['paced_sub']):,} ({codes_text(f['paced_sub'])})")
    def by_change(f, name):
        b = R.get(f"{f['kind']}-{name}-by-change")
        if not b:
            return "not measured"
        return (f"{b['near_p99_ms']:.2f} ms ({b['near_requests']:,} requests) / "
                f"{b['far_p99_ms']:.2f} ms ({b['far_requests']:,})")

    row("paced mix p99 by the time since the last status change, no subscribers: within 0.5 s / later "
        "(vegeta's latency)", lambda f: by_change(f, "paced"))
    row(f"the same, {subs_n:,} subscribers held", lambda f: by_change(f, "paced-subscribers"))
    row(f"slow-header connections open (median while the paced client ran)",
        lambda f: f"{f['slow']['open_median']:,}")
    def slow_text(f):
        s = f["slow"]
        parts = [f"{v:,} × {k}" for k, v in sorted(s["answers"].items())]
        if s["closed_without_answer"]:
            parts.append(f"{s['closed_without_answer']:,} closed without an answer")
        if s["resets"]:
            parts.append(f"{s['resets']:,} reset")
        text = ", ".join(parts) or "nothing (all held)"
        return text + (f"; held {s['held_s_p50']:.1f} s" if s["held_s_p50"] >= 0 else "")

    row("what the slow clients got (answers, closes), and how long the server held one (median)", slow_text)
    row("RSS and threads with the slow clients (peak)",
        lambda f: f"{f['slow_proc']['peak']['rss_bytes'] / MB:.0f} MB, {f['slow_proc']['peak']['threads']:,} threads")
    row(f"well-behaved client's paced mix p99 (p50) with {slow_n:,} slow clients; answered 2xx /s",
        lambda f: f"{f['paced_slow']['p99_ms']:.2f} ms ({f['paced_slow']['p50_ms']:.2f} ms); {fmt_int(f['paced_slow']['rps'])} /s")
    row("well-behaved client's errors with the slow clients",
        lambda f: f"{errors_of(f['paced_slow']):,} ({codes_text(f['paced_slow'])})")
    row(f"throughput, {conns} connections, closed loop: requests/s per round (median)",
        lambda f: ", ".join(fmt_int(x) for x in f["wrk"]) + f" ({fmt_int(f['wrk_median'])})")
    row("warnings and errors in the server's logs (beyond the start-up warnings and the stop notice)",
        lambda f: f"{f['log']['lines']:,}")
    w("")

    # --- targets ---------------------------------------------------------------------------
    T = []  # (target, judged on, value text per server, op, limit)
    def failed(*runs):
        n = sum(errors_of(r) for r in runs)
        total = sum(r["requests"] for r in runs)
        return f"; {n:,} of {total:,} requests failed" if n else ""

    def ratio_text(f):
        return (f"{f['ratio']:.2f} × ({f['paced_sub']['p99_ms']:.2f} ms ÷ {f['paced']['p99_ms']:.2f} ms"
                + failed(f["paced"], f["paced_sub"]) + ")")
    T.append((f"all {subs_n:,} subscribers served: subscribers not connected or closed early = 0",
              f"`tripstream-sse-clients`, {subs_n:,} streams held at once",
              lambda f: f"{f['not_served']:,}", "=", 0))
    T.append(("every subscriber gets every pushed status: subscribers lacking one = 0",
              "status events after the mark, per subscriber, against every status any subscriber got "
              "(and the changes caused)",
              lambda f: f"{f['missing']:,} ({f['sse']['statuses_seen']} statuses, {f['ticks']} changes caused)", "=", 0))
    T.append((f"API RSS with the subscribers < 300 MB beyond the index",
              "peak RSS while held minus RSS just before the subscribers (index loaded)",
              lambda f: f"{f['rss_growth'] / MB:.0f} MB ({f['rss_peak'] / MB:.0f} MB peak, {f['rss_before'] / MB:.0f} MB before)",
              "<", 300))
    T.append(("API threads with the subscribers < 64", "peak of `Threads` while held",
              lambda f: f"{f['thr_peak']:,}", "<", 64))
    T.append(("paced mix p99 with the subscribers ≤ 1.2 × without",
              f"open loop at {rate:,}/s, the status changing once a second in both runs",
              ratio_text, "<=", 1.2))
    T.append(("paced runs answered without errors: errors = 0",
              "non-2xx answers and socket errors, paced runs with and without subscribers",
              lambda f: f"{errors_of(f['paced']) + errors_of(f['paced_sub']):,}", "=", 0))
    T.append((f"well-behaved client's p99 with {slow_n:,} slow-header clients < 50 ms",
              f"open loop at {rate:,}/s from another address while the slow clients are held",
              lambda f: f"{f['paced_slow']['p99_ms']:.2f} ms" + (f" ({failed(f['paced_slow'])[2:]})" if failed(f['paced_slow']) else ""), "<", 50))
    T.append((f"well-behaved client not refused: errors with the slow clients = 0",
              "non-2xx answers and socket errors of that run",
              lambda f: f"{errors_of(f['paced_slow']):,}", "=", 0))
    if both:
        tput = F["new"]["wrk_median"] / F["old"]["wrk_median"]
        T.append((f"throughput at {conns} connections ≥ 1.00 × the old server",
                  f"median requests/s over {rounds} round(s), new ÷ old",
                  None, ">=", 1.0))

    w("| target | old server | new server | verdict |")
    w("|---|---|---|---|")
    verdict_rows = []
    for target, judged_on, value, op, limit in T:
        if value is None:  # throughput: one figure for the pair
            new_text = (f"{tput:.2f} × ({fmt_int(F['new']['wrk_median'])} ÷ "
                        f"{fmt_int(F['old']['wrk_median'])} requests/s)")
            old_text = f"{fmt_int(F['old']['wrk_median'])} requests/s"
            w(f"| {target} | {old_text} | {fmt_int(F['new']['wrk_median'])} requests/s | {judge(new_text, op, limit)} |")
        else:
            new_text = value(F["new"]) if "new" in F else None
            old_text = value(F["old"]) if "old" in F else "not run"
            w(f"| {target} | {old_text} | {new_text if new_text else 'not run'} | "
              f"{judge(new_text, op, limit) if new_text else 'not judged: not run'} |")
        if new_text:
            verdict_rows.append((target, judged_on, new_text, judge(new_text, op, limit)))
    w("")
    w("Verdicts judge the new server; the old server's column is the figure before the change.\n")

    # --- incidents -----------------------------------------------------------------------------
    notes = []
    for k in kinds:
        f = F[k]
        name = {"old": "old server", "new": "new server"}[k]
        if f["log"]["lines"]:
            notes.append(f"{name}: {f['log']['lines']:,} warning or error lines in its log "
                         f"(`log-problems-{k}.txt` in the run's folder), the first: `{f['log']['first'][:160]}`")
        if f["sse"]["repeated_statuses"]:
            notes.append(f"{name}: {f['sse']['repeated_statuses']:,} status events repeated the previous status")
    status_codes = [int(x) for x in open(os.path.join(run_dir, "exit-status.txt")).read().split()] \
        if os.path.exists(os.path.join(run_dir, "exit-status.txt")) else []
    if any(status_codes):
        notes.append(f"a server exited with a non-zero status at a stop ({', '.join(map(str, status_codes))})")
    w("Incidents: " + ("; ".join(notes) + "." if notes else "none (no warnings or errors in either server's log "
                                                          "beyond the start-up warnings and the stop notice; clean exits).") + "\n")

    w("| target | judged on | value | verdict |")
    w("|---|---|---|---|")
    for target, judged_on, value, verdict in verdict_rows:
        w(f"| {target} | {judged_on} | {value} | {verdict} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
