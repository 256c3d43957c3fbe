#!/usr/bin/env python3
"""Writes the "dashboard" section of docs/benchmarks.md from benchmarks/dashboard/run's
results.json (measure.mjs) and the run's facts. Standard library only.

Usage: report.py RESULTS --trips N --page-gzip BYTES --page-raw BYTES --machine M --source S
                 --started "YYYY-MM-DD HH:MM" --load "1 5 15" --command C
"""
import argparse
import json
import math

TARGET_TRIPS = 10_000_000


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    for name in ("--trips", "--page-gzip", "--page-raw"):
        parser.add_argument(name, type=int, required=True)
    for name in ("--machine", "--source", "--started", "--load", "--command"):
        parser.add_argument(name, required=True)
    a = parser.parse_args()
    r = json.load(open(a.results))
    loads, docs, moves = r["loads"], r["docs_loads"], r["moves"]

    def row(label, values):
        return f"| {label} | {ms(percentile(values, 50))} | {ms(max(values))} |"

    shown = [m["release_to_shown_ms"] for m in moves]
    page = [m["page_ms"] for m in moves]
    alone = [m["query_alone_ms"] for m in moves]
    slowest_ready = max(l["ready_ms"] for l in loads)
    slowest_shown = max(shown)
    trips_note = "" if a.trips >= TARGET_TRIPS else f"not judged: {a.trips:,} trips, the target is for {TARGET_TRIPS:,}"

    def verdict(ok):
        return "met" if ok else "**missed**"

    out = [
        "## Dashboard (issue 13)",
        "",
        f"Run `{a.command}` on {a.started} UTC; machine: {a.machine}; source: {a.source}; load average "
        f"(1, 5, 15 min) at the start: {a.load}. Headless Chromium (Debian's), the API and PostgreSQL "
        "share the same cores.",
        "",
        f"Data: {a.trips:,} generated trips, stored as the consumer stores them; the API's in-memory index "
        "and cell aggregate loaded before the first request.",
        "",
        f"**First load**, {len(loads)} times each in a fresh browser context (empty cache), from navigation "
        "to the load event, and to the page ready: settings read, regions listed and the first density "
        "drawn. Baseline: Swagger UI's page at `/docs` (the page the API served before), to its first "
        "operation drawn.",
        "",
        "| page | load event p50 ms | load event max ms | ready p50 ms | ready max ms | bytes transferred |",
        "|---|---|---|---|---|---|",
        f"| dashboard `/` | {ms(percentile([l['load_ms'] for l in loads], 50))} | {ms(max(l['load_ms'] for l in loads))} "
        f"| {ms(percentile([l['ready_ms'] for l in loads], 50))} | {ms(slowest_ready)} | {loads[0]['transferred_bytes']:,} |",
        f"| Swagger UI `/docs` (baseline) | {ms(percentile([l['load_ms'] for l in docs], 50))} | {ms(max(l['load_ms'] for l in docs))} "
        f"| {ms(percentile([l['ready_ms'] for l in docs], 50))} | {ms(max(l['ready_ms'] for l in docs))} | {docs[0]['transferred_bytes']:,} |",
        "",
        f"The page's own files (`api/web/dist`): {a.page_gzip:,} bytes as served (gzip), {a.page_raw:,} raw.",
        "",
        f"**Box changes**: in {r['region']['name']} ({r['region']['trips']:,} trips), a box drawn over the middle "
        f"quarter of the region's extent, then {len(moves)} drags of it with real pointer events. For each: "
        "from the pointer's release to the answer for the new box on screen (the driver's clock, watching the "
        "DOM), the page's own figure (from the change to the drawn chart), and the same request sent alone by "
        "the driver (the baseline: the query without the page). Every answer shown equalled the API's.",
        "",
        "| measure | p50 ms | max ms |",
        "|---|---|---|",
        row("release to the exact answer on screen", shown),
        row("the page's figure (change to drawn chart)", page),
        row("the same query alone (baseline)", alone),
        "",
        f"Boxes held {min(m['trips'] for m in moves):,} to {max(m['trips'] for m in moves):,} trips (median "
        f"{percentile([m['trips'] for m in moves], 50):,}). During the "
        f"drags the page sent {r['requests']['sent']:,} weekly-average requests and cancelled "
        f"{r['requests']['cancelled']:,} of them as stale.",
        "",
        "| target | judged on | value | verdict |",
        "|---|---|---|---|",
        f"| first load < 1,000 ms | the slowest of {len(loads)} loads to ready | {ms(slowest_ready)} ms | {verdict(slowest_ready < 1000)} |",
        f"| page's files < 1,000,000 bytes compressed | `api/web/dist` as served | {a.page_gzip:,} bytes | {verdict(a.page_gzip < 1_000_000)} |",
        f"| box change < 150 ms at 10,000,000 trips | the slowest of {len(moves)} moves, release to answer on screen "
        f"| {ms(slowest_shown)} ms | {trips_note or verdict(slowest_shown < 150)} |",
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
