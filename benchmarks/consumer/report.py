#!/usr/bin/env python3
"""Sections of docs/benchmarks.md for benchmarks/consumer/run.

  report.py section CONSUMERS.tsv ROWS COPY_S BASELINE_ROWS ORIGINAL_S ORIGINAL_BYTES MACHINE
                    COMMAND SOURCE HISTORY.tsv [LABEL]
      prints the "Consumer ingestion (issue 5)" section of one run and appends the run's
      figures to HISTORY.tsv (one line; LABEL names the consumer version). LOAD (environment:
      the load average at the start / end) goes into the run line.
      To regenerate the section of an earlier run from its recorded figures, set REPORT_DATE
      (the run's date, "YYYY-MM-DD HH:MM UTC") and REPORT_NO_HISTORY=1; SOURCE should then say
      where the figures were recorded.
  report.py history HISTORY.tsv
      prints the "consumer-history" section: every recorded run, grouped by machine.

Like with like: every rate compared is rows / wall time, of the same rows, measured in the
same run on the same machine. A consumer's wall time runs from starting the processes to the
job's completion (process start and joining the group included); its sustained rate (first
to last commit) is shown for information and judges nothing. Verdicts are judged on the
values as printed.
"""
import csv
import datetime
import sys

FIELDS = ["date", "source", "machine", "command", "label", "rows", "baseline_rows",
          "c1_sustained", "c1_wall_rate", "c2_sustained", "c2_wall_rate", "copy_rate",
          "original_rate", "bytes_per_trip", "load"]


def ok(b):
    return "met" if b else "**missed**"


def shown(text):
    return float(text.replace(",", "").split()[0])


def section(args):
    (path, rows, copy_s, base_rows, orig_s, orig_bytes, machine, command, source, history) = args[:10]
    label = args[10] if len(args) > 10 and args[10] else f"consumer at {source}"
    rows, base_rows = int(rows), int(base_rows)
    copy_s, orig_s = float(copy_s), float(orig_s)
    runs = {int(r[0]): (float(r[1]), float(r[2]), float(r[3]))
            for r in csv.reader(open(path), delimiter="\t")}
    one_wall, one_sus, one_bytes = runs[1]
    two_wall, two_sus, _ = runs[2]
    w1, w2 = rows / one_wall, rows / two_wall
    s1, s2 = rows / one_sus, rows / two_sus
    copy_rate = rows / copy_s
    orig_rate = base_rows / orig_s
    same_rows = base_rows == rows
    import os
    date = os.environ.get("REPORT_DATE") or f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC"
    load = os.environ.get("LOAD", "")

    r1 = f"{w1:,.0f} rows/s"
    rc = f"{float(f'{w1:.0f}') / float(f'{copy_rate:.0f}'):.2f} ×"
    ro = f"{float(f'{w1:.0f}') / float(f'{orig_rate:.0f}'):.1f} ×"
    rb = f"{one_bytes:.1f} bytes"
    orig_verdict = ok(shown(ro) >= 10) if same_rows else \
        f"not judged: the original ran on {base_rows:,} rows, not {rows:,}"
    print(f"""## Consumer ingestion (issue 5)

Run `{command}` on {date}; machine: {machine}; source: {source}{"; load average (1, 5, 15 min) at the start / end: " + load if load else ""}.
Kafka, PostgreSQL 15 + PostGIS 3.3 and the consumers share the same 2 cores. {rows:,} generated trips
(`--seed 42`) produced first, then consumed into a fresh database per run; batch 200,000 rows (the default),
binary COPY, offsets in the same transaction. Every rate compared is rows ÷ *wall* time, the same rows on
the same machine in the same run: for the consumers from starting the processes to the job's completion
(process start and joining the group included), for COPY and the original approach the psql command.
*Sustained* (rows ÷ first to last commit) is for information and judges nothing.

| ingestion | rows | wall time | rows/s wall | rows/s sustained |
|---|---|---|---|---|
| tripstream-consumer × 1 | {rows:,} | {one_wall:.1f} s | {w1:,.0f} | {s1:,.0f} |
| tripstream-consumer × 2 | {rows:,} | {two_wall:.1f} s | {w2:,.0f} | {s2:,.0f} |
| (a) psql `COPY … FROM file` (binary), same rows, raw table only | {rows:,} | {copy_s:.1f} s | {copy_rate:,.0f} | |
| (b) original: multi-row INSERT × 1,000 + GiST on both points | {base_rows:,} | {orig_s:.1f} s | {orig_rate:,.0f} | |

Disk per stored trip, all tripstream tables and indexes (raw, aggregates, jobs, offsets):
**{one_bytes:.1f} bytes**; the original layout: {float(orig_bytes):.1f} bytes per trip (one table, two GiST indexes).

| target | judged on | value | verdict |
|---|---|---|---|
| ≥ 200,000 rows/s with one consumer | one consumer, rows/s wall | {r1} | {ok(shown(r1) >= 200000)} |
| ≥ 0.8 × plain COPY | one consumer ÷ (a), rows/s wall, same rows | {rc} | {ok(shown(rc) >= 0.8)} |
| ≥ 10 × the original approach | one consumer ÷ (b), rows/s wall, {"same rows" if same_rows else "different row counts"} | {ro} | {orig_verdict} |
| ≤ 120 bytes per trip, all included | bytes per stored trip, one-consumer database | {rb} | {ok(shown(rb) <= 120)} |""")
    if os.environ.get("REPORT_NO_HISTORY") == "1":
        return
    new = not os.path.exists(history) or os.path.getsize(history) == 0
    with open(history, "a", newline="") as f:
        out = csv.writer(f, delimiter="\t", lineterminator="\n")
        if new:
            out.writerow(FIELDS)
        out.writerow([date, source, machine, command, label, rows, base_rows, round(s1), round(w1),
                      round(s2), round(w2), round(copy_rate), round(orig_rate), f"{one_bytes:.1f}",
                      load.split(" / ")[0]])


def history(args):
    rows = list(csv.DictReader(open(args[0]), delimiter="\t"))
    print("""## Consumer ingestion, history

Every run of `benchmarks/consumer/run` recorded in `benchmarks/consumer/history.tsv` (appended by the
script; older entries transcribed from the generated sections committed at the time, named in the source
column). Rates are rows ÷ wall time. A ratio is shown only where both sides ran on the same rows in the same
run; absolute rates compare only within one machine (a **break** row marks a change).
""")
    print("| date | source | consumer version | load average at start | rows | 1 consumer rows/s | 2 consumers rows/s "
          "| plain COPY rows/s | 1 consumer ÷ COPY | original rows/s (rows) | 1 consumer ÷ original |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    machine = None
    for r in rows:
        if r["machine"] != machine:
            what = "machine:" if machine is None else "**break**, machine changed to"
            print(f"| {what} {r['machine']} | | | | | | | | | | |")
            machine = r["machine"]
        n, nb = int(r["rows"]), int(r["baseline_rows"])
        w1, copy, orig = int(r["c1_wall_rate"]), int(r["copy_rate"]), int(r["original_rate"])
        vs_orig = f"{w1 / orig:.1f} ×" if nb == n else f"not comparable (original on {nb:,} rows)"
        print(f"| {r['date']} | {r['source']} | {r['label']} | {r.get('load') or 'not recorded'} | {n:,} | "
              f"{w1:,} | {int(r['c2_wall_rate']):,} | "
              f"{copy:,} | {w1 / copy:.2f} × | {orig:,} ({nb:,}) | {vs_orig} |")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"section": section, "history": history}[cmd](args)


if __name__ == "__main__":
    main()
