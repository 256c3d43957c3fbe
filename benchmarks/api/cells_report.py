#!/usr/bin/env python3
"""The "cells" section of docs/benchmarks.md from one benchmarks/api/cells_run.

    cells_report.py RESULTS.tsv CLASSES.txt --command C --started S --machine M --source S
                    --load L --rate R --duration D --db-rate R --db-duration D --region NAME

RESULTS.tsv holds one measurement per line (name, TAB, JSON): fill, aggregate, size-<i>,
index-<i>, database-<i> (open_loop.py's JSON), explain-all, explain-region, answers.
CLASSES.txt holds "description|target" per class, in the order of <i>. Prints markdown.
"""
import argparse
import json
import sys

TARGET_MS = 20.0
TARGET_TRIPS = 10_000_000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("classes")
    for name in ("command", "started", "machine", "source", "load", "rate", "duration", "db_rate",
                 "db_duration", "region"):
        p.add_argument("--" + name.replace("_", "-"), required=True)
    a = p.parse_args()
    r = {}
    for line in open(a.results):
        if line.strip():
            name, _, data = line.partition("\t")
            r[name] = json.loads(data)
    classes = [c.rstrip("\n").split("|", 1) for c in open(a.classes) if c.strip()]
    fill, agg = r["fill"], r["aggregate"]
    trips = fill["trips"]
    out = []
    w = out.append
    w("## Map density: `GET /v1/trips/cells` and `GET /v1/regions`")
    w("")
    w(f"Run `{a.command}` on {a.started} UTC; machine: {a.machine}; source: {a.source}; "
      f"load average (1, 5, 15 min) at the start / end: {a.load}. The load generator (vegeta, "
      "open loop), the API and PostgreSQL share the same cores.")
    w("")
    w(f"Data: {trips:,} generated trips in a dedicated database, stored as the consumer stores "
      f"them; `trip_cell_counts` has {fill['cell_rows']:,} rows ({fill['cell_table_bytes'] / 2**20:.1f} MiB "
      "with its primary key). The API's in-memory cell aggregate (per region and ISO week, trips "
      f"per origin cell and per destination cell) holds {int(agg['entries']):,} entries, "
      f"{int(agg['memory_bytes']) / 2**20:.2f} MiB ({int(agg['memory_bytes']) / trips:.3f} bytes "
      f"per trip), loaded in {float(agg['load_s']) * 1000:.0f} ms; the weekly-average index of the "
      f"same process: {int(agg['index_memory_bytes']) / 2**20:.0f} MiB.")
    w("")
    w(f"Each class is one request repeated at a constant rate: {a.rate}/s for {a.duration} s from "
      f"the aggregate (`QUERY_ENGINE=index`), {a.db_rate}/s for {a.db_duration} s from the "
      "baseline, SQL grouping `trip_cell_counts` per request (`QUERY_ENGINE=database`, the same "
      "API). Latency from each request's scheduled send time (`benchmarks/api/open_loop.py`). "
      f"\"One region\" is the one with the most trips ({a.region}); \"4 weeks\" the last four "
      "weeks with data. The two engines' answers were compared byte for byte: "
      f"{'all equal' if r.get('answers', {}).get('equal') else 'NOT COMPARED'}.")
    w("")
    w("| class | cells | answer bytes | aggregate p50 ms | aggregate p99 ms | aggregate max ms "
      "| errors | SQL p50 ms | SQL p99 ms | SQL requests |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for i, (desc, _target) in enumerate(classes):
        size, idx, db = r[f"size-{i}"], r[f"index-{i}"], r[f"database-{i}"]
        worst = max(worst, idx["p99_ms"])
        errors = idx["non2xx"] + idx["socket_errors"] + db["non2xx"] + db["socket_errors"]
        w(f"| {desc} | {size['cells']:,} | {size['bytes']:,} | {idx['p50_ms']:.2f} | "
          f"{idx['p99_ms']:.2f} | {idx['max_ms']:.1f} | {errors} | {db['p50_ms']:.1f} | "
          f"{db['p99_ms']:.1f} | {db['requests']} |")
    w("")
    ea, er = r["explain-all"], r["explain-region"]
    w(f"`EXPLAIN (ANALYZE, BUFFERS)` of the baseline's statement over all weeks at step 1: every "
      f"region {ea['ms']:.1f} ms ({ea['plan']}, buffers {ea['buffers']}); {a.region} "
      f"{er['ms']:.1f} ms ({er['plan']}, buffers {er['buffers']}).")
    w("")
    w("| target | judged on | value | verdict |")
    w("|---|---|---|---|")
    if trips >= TARGET_TRIPS:
        verdict = "met" if worst <= TARGET_MS else "**missed**"
    else:
        verdict = f"not judged: {trips:,} trips, the target is for {TARGET_TRIPS:,}"
    w(f"| p99 ≤ 20 ms at 10,000,000 trips | the slowest class, aggregate | {worst:.2f} ms | {verdict} |")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
