#!/usr/bin/env python3
"""DuckDB's answer to every benchmark request of benchmarks/scale/run, compared with the API's.

    duckdb_check.py --csv TRIPS.csv --trips N --database FILE --targets targets.tsv \
                    --answers answers.jsonl --out result.json [--mismatches FILE] [--threads N]

Runs in the tools venv (duckdb from PyPI, benchmarks/scale/requirements.txt). Independent of
the project's code: it reads the same generated CSV the producer sent to Kafka, parses it with
DuckDB into a table ordered by region and origin longitude (so that its zone maps skip other
regions' row groups; the order changes no count), and answers each request of targets.tsv (benchmarks/api/targets.py: list, class,
region, minLon, minLat, maxLon, maxLat, match, from, to, target) in SQL with the semantics
of docs/query.md and docs/api.md:

  - a trip's week is the ISO week (Monday 00:00 UTC) of its `datetime`, which the CSV gives
    in UTC (`YYYY-MM-DD HH:MM:SS`, parsed strictly): date_trunc('week', t);
  - the box's edges are included, compared on the doubles parsed from the CSV's WKT text
    (`POINT (lon lat)`, DuckDB's VARCHAR -> DOUBLE cast, correctly rounded; checked against
    Python's float() on the first rows) and the doubles parsed from the request's text;
  - match: origin, destination, both (both ends in the box), any (either); ignored without
    a box; region: the CSV's region name;
  - from/to widened to whole ISO weeks (from's Monday to to's Sunday); a missing end is the
    first/last week with any trip of the region (of any region when no region is named);
    every week of the range is listed, zero weeks included; weekly_average = total / weeks.

Compares, for every request, weeks, total_trips, from, to, the whole weekly series and the
weekly average with the API's JSON answer (answers.jsonl from fetch_answers.py, in the
order of targets.tsv). Writes one JSON object to --out: load time, storage, row count,
per-class latency of DuckDB (each request's execute + fetch, one at a time), requests
compared, mismatches. Prints every differing request on stderr (and to --mismatches) and
exits 1 when any differs; exits 2 when the data cannot be loaded as expected.
"""
import argparse
import datetime
import json
import os
import sys
import time

import duckdb

WEEK = datetime.timedelta(days=7)
POINT = r"^POINT \(([^ ()]+) ([^ ()]+)\)$"
CLASSES = ["all", "street", "district", "city", "wide", "region"]


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a list, as benchmarks/api/open_loop.py."""
    s = sorted(values)
    if not s:
        return None
    rank = max(1, -(-len(s) * p // 100))
    return s[min(len(s), int(rank)) - 1]


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def load(con, csv_path, trips):
    """Loads the CSV into table trips(region, ox, oy, dx, dy, t), ordered by region and origin
    longitude so that DuckDB's min/max zone maps let a query skip the row groups of other
    regions and longitudes (the order changes no count); returns (seconds, rows checked)."""
    t0 = time.perf_counter()
    src = (f"read_csv({sql_string(csv_path)}, header = true, delim = ',', quote = '\"', "
           "columns = {'region': 'VARCHAR', 'origin_coord': 'VARCHAR', 'destination_coord': 'VARCHAR', "
           "'datetime': 'VARCHAR', 'datasource': 'VARCHAR'})")
    parsed = (f"SELECT origin_coord, destination_coord, region, "
              f"regexp_extract(origin_coord, '{POINT}', ['x', 'y']) AS o, "
              f"regexp_extract(destination_coord, '{POINT}', ['x', 'y']) AS d, "
              f"try_strptime(datetime, '%Y-%m-%d %H:%M:%S') AS t FROM {src}")
    doubles = ("TRY_CAST(o.x AS DOUBLE) AS ox, TRY_CAST(o.y AS DOUBLE) AS oy, "
               "TRY_CAST(d.x AS DOUBLE) AS dx, TRY_CAST(d.y AS DOUBLE) AS dy")
    con.execute(f"CREATE TABLE trips AS SELECT region, {doubles}, t FROM ({parsed}) ORDER BY region, ox")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - t0
    rows, bad = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE region IS NULL OR ox IS NULL OR oy IS NULL
                                           OR dx IS NULL OR dy IS NULL OR t IS NULL)
        FROM trips""").fetchone()
    if rows != trips or bad:
        sys.exit(f"duckdb_check.py: {csv_path}: {rows} rows ({bad} unparsed), expected {trips} parsed rows")
    # The doubles DuckDB parsed are the correctly rounded ones: Python's float() on the same text.
    sample = con.execute(f"SELECT origin_coord, destination_coord, {doubles} FROM ({parsed}) LIMIT 20000").fetchall()
    for o, d, *got in sample:
        want = [float(v) for v in o[7:-1].split(" ")] + [float(v) for v in d[7:-1].split(" ")]
        if got != want:
            sys.exit(f"duckdb_check.py: DuckDB parsed {o} {d} as {got}, Python as {want}")
    return seconds, len(sample)


def week_bounds(con):
    """{region name or None: (first Monday, last Monday)} over the data."""
    out = {}
    for region, lo, hi in con.execute(
            "SELECT region, min(date_trunc('week', t))::DATE, max(date_trunc('week', t))::DATE "
            "FROM trips GROUP BY ALL").fetchall():
        out[region] = (lo, hi)
    if out:
        out[None] = (min(v[0] for v in out.values()), max(v[1] for v in out.values()))
    return out


def monday(iso):
    d = datetime.date.fromisoformat(iso)
    return d - datetime.timedelta(days=d.weekday())


def answer(con, bounds, row):
    """(expected answer dict, seconds) for one targets.tsv row."""
    _, _, region, x0, y0, x1, y1, match, frm, to, _ = row
    region = region or None
    where, params = [], []
    if region:
        where.append("region = ?")
        params.append(region)
    if x0:
        box = [float(x0), float(x1), float(y0), float(y1)]
        o = "(ox BETWEEN ? AND ? AND oy BETWEEN ? AND ?)"
        d = "(dx BETWEEN ? AND ? AND dy BETWEEN ? AND ?)"
        pred, p = {"origin": (o, box), "destination": (d, box), "both": (f"{o} AND {d}", box * 2),
                   "any": (f"({o} OR {d})", box * 2)}[match]
        where.append(pred)
        params += p
    data_lo, data_hi = bounds.get(region, (None, None))
    first = monday(frm) if frm else data_lo
    last = monday(to) if to else data_hi
    t0 = time.perf_counter()
    counts = {}
    if first is not None and last is not None and last >= first:
        if frm or to:
            where.append("t >= ? AND t < ?")
            params += [datetime.datetime.combine(first, datetime.time()),
                       datetime.datetime.combine(last + WEEK, datetime.time())]
        sql = ("SELECT date_trunc('week', t)::DATE AS week, count(*) FROM trips"
               + (" WHERE " + " AND ".join(where) if where else "") + " GROUP BY week")
        counts = dict(con.execute(sql, params).fetchall())
    seconds = time.perf_counter() - t0
    if first is None or last is None or last < first:
        return {"weeks": 0, "total_trips": 0, "from": None if first is None else first.isoformat(),
                "to": None if last is None else (last + datetime.timedelta(days=6)).isoformat(),
                "series": []}, seconds
    series, week = [], first
    while week <= last:
        series.append({"week_start": week.isoformat(), "trips": counts.pop(week, 0)})
        week += WEEK
    if counts:  # a week outside the range: the time filter above is wrong
        raise RuntimeError(f"counts outside the week range: {sorted(counts)}")
    total = sum(s["trips"] for s in series)
    return {"weeks": len(series), "total_trips": total, "from": first.isoformat(),
            "to": (last + datetime.timedelta(days=6)).isoformat(), "series": series}, seconds


def differences(expected, got):
    """What differs between DuckDB's answer and the API's JSON body (empty when equal)."""
    out = []
    if not isinstance(got, dict):
        return [f"the API's answer is not a JSON object: {str(got)[:200]}"]
    for key in ("weeks", "total_trips"):
        if got.get(key) != expected[key]:
            out.append(f"{key}: API {got.get(key)!r}, DuckDB {expected[key]!r}")
    if expected["weeks"] > 0:
        for key in ("from", "to"):
            if got.get(key) != expected[key]:
                out.append(f"{key}: API {got.get(key)!r}, DuckDB {expected[key]!r}")
    api_series = [(s.get("week_start"), s.get("trips")) for s in got.get("series") or []]
    duck_series = [(s["week_start"], s["trips"]) for s in expected["series"]]
    if api_series != duck_series:
        diff = [f"{a} vs {b}" for a, b in zip(api_series, duck_series) if a != b][:3]
        out.append(f"series differ ({len(api_series)} weeks from the API, {len(duck_series)} from DuckDB; "
                   f"first differences API vs DuckDB: {'; '.join(diff) or 'lengths'})")
    average = expected["total_trips"] / expected["weeks"] if expected["weeks"] else 0
    avg = got.get("weekly_average")
    if not isinstance(avg, (int, float)) or abs(avg - average) > 1e-9 * max(1.0, abs(average)):
        out.append(f"weekly_average: API {avg!r}, DuckDB {average!r}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--trips", type=int, required=True, help="rows the CSV must hold")
    ap.add_argument("--database", required=True, help="DuckDB database file to create (removed first)")
    ap.add_argument("--targets", required=True)
    ap.add_argument("--answers", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mismatches", help="write the differing requests here too")
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (default: DuckDB's, one per core)")
    ap.add_argument("--progress-every", type=float, default=30, help="seconds between progress lines")
    args = ap.parse_args()

    rows = [line.rstrip("\n").split("\t") for line in open(args.targets) if line.strip()]
    answers = [json.loads(line) for line in open(args.answers) if line.strip()]
    if len(answers) != len(rows):
        sys.exit(f"duckdb_check.py: {len(answers)} API answers for {len(rows)} requests")
    for row, a in zip(rows, answers):
        if a["target"] != row[10]:
            sys.exit(f"duckdb_check.py: answers out of order: {a['target']} for {row[10]}")

    for path in (args.database, args.database + ".wal"):
        if os.path.exists(path):
            os.remove(path)
    con = duckdb.connect(args.database)
    if args.threads:
        con.execute(f"SET threads = {int(args.threads)}")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"duckdb_check.py: loading {args.csv} into DuckDB {duckdb.__version__} ({threads} threads)",
          file=sys.stderr, flush=True)
    load_s, checked_parse = load(con, args.csv, args.trips)
    storage = os.path.getsize(args.database)
    print(f"duckdb_check.py: loaded {args.trips:,} trips in {load_s:.1f} s ({storage / 2**20:.0f} MiB); "
          f"{len(rows):,} requests to answer", file=sys.stderr, flush=True)
    bounds = week_bounds(con)

    latency = {c: [] for c in CLASSES}
    mismatches, compared, errors = [], 0, 0
    last_note = time.monotonic()
    t_all = time.perf_counter()
    for i, (row, a) in enumerate(zip(rows, answers)):
        expected, seconds = answer(con, bounds, row)
        latency[row[0]].append(seconds * 1e3)
        compared += 1
        if a.get("status") != 200:
            errors += 1
            diff = [f"HTTP status {a.get('status')}: {str(a.get('body'))[:200]}"]
        else:
            diff = differences(expected, a.get("body"))
        if diff:
            mismatches.append({"list": row[0], "class": row[1], "target": row[10], "differences": diff,
                               "duckdb": {k: expected[k] for k in ("weeks", "total_trips", "from", "to")}})
        if time.monotonic() - last_note > args.progress_every:
            last_note = time.monotonic()
            print(f"duckdb_check.py: {i + 1:,} of {len(rows):,} requests answered, {len(mismatches)} differ",
                  file=sys.stderr, flush=True)
    query_s = time.perf_counter() - t_all

    per_class = {}
    for c, ms in latency.items():
        if ms:
            per_class[c] = {"queries": len(ms), "p50_ms": pct(ms, 50), "p90_ms": pct(ms, 90),
                            "p99_ms": pct(ms, 99), "max_ms": max(ms), "mean_ms": sum(ms) / len(ms)}
    result = {"duckdb": duckdb.__version__, "threads": int(threads), "load_s": load_s,
              "storage_bytes": storage, "rows": args.trips, "parse_checked_rows": checked_parse,
              "requests": len(rows), "compared": compared, "mismatches": len(mismatches),
              "api_errors": errors, "query_s": query_s, "classes": per_class,
              "first_mismatches": mismatches[:20]}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    con.close()
    if mismatches:
        lines = []
        for m in mismatches:
            lines.append(f"{m['list']}/{m['class']}: {m['target']}")
            lines += [f"    {d}" for d in m["differences"]]
        text = "\n".join(lines) + "\n"
        if args.mismatches:
            with open(args.mismatches, "w") as f:
                f.write(text)
        sys.stderr.write(text)
        print(f"duckdb_check.py: {len(mismatches)} of {compared:,} answers differ from DuckDB's", file=sys.stderr)
        return 1
    print(f"duckdb_check.py: all {compared:,} answers equal DuckDB's (weeks, totals, series, from/to, "
          f"average); DuckDB answered them in {query_s:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
