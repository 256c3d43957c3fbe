#!/usr/bin/env python3
"""The "Producer throughput (issue 3)" section of docs/benchmarks.md, for benchmarks/producer/run.

    report.py RESULTS.tsv ROWS SMALL_ROWS SMALL_RSS_MB MACHINE KCAT_VERSION COMMAND SOURCE LOAD

RESULTS.tsv: tool, run, rows, seconds, rows_per_s, peak_rss_mb (one line per run). Throughput
is judged on each tool's median run, memory on the largest peak RSS of any run at either size,
each on the value as printed. REPORT_DATE ("YYYY-MM-DD HH:MM UTC") replaces the current date
when a section is regenerated from an earlier run's recorded figures (SOURCE should say so).
"""
import csv, datetime, os, re, statistics, sys
path, rows, small_rows, small_rss, machine, kcat_version, command, source, load = sys.argv[1:]
date = os.environ.get("REPORT_DATE") or f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC"
data = list(csv.DictReader(open(path), delimiter="\t"))
# The broker version scripts/stack runs: the one scripts/kafka/pom.xml fetches.
_pom = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "kafka", "pom.xml")).read()
kafka_version = re.search(r"<kafka.version>([^<]+)</kafka.version>", _pom).group(1)


def runs_of(tool):
    r = [d for d in data if d["tool"] == tool]
    rates = [round(float(d["rows_per_s"])) for d in r]
    return rates, max(int(d["peak_rss_mb"]) for d in r)
t_all, t_rss = runs_of("tripstream")
k_all, k_rss = runs_of("kcat")
t_med, k_med = statistics.median(t_all), statistics.median(k_all)
ratio = float(f"{t_med / k_med:.2f}")
shown = lambda text: float(text.replace(",", "").split()[0])
ok = lambda b: "met" if b else "**missed**"
rate_text = f"{t_med:,.0f} rows/s"
ratio_text = f"{ratio:.2f} ×"
rss_text = f"{max(t_rss, int(small_rss))} MB"
print(f"""## Producer throughput (issue 3)

Run `{command}` on {date}; machine: {machine}; source: {source}{"; load average (1, 5, 15 min) at the start / end: " + load if load else ""}.
Broker: the local single-node Kafka {kafka_version} from `scripts/stack`, on the same 2 cores as the producers.
Input: {int(rows):,} generated trips (`--seed 42`), a CSV file in the page cache. Both tools use the same
librdkafka settings (idempotence, lz4, linger.ms=25, batch.size=1 MB, queue of 200,000 messages or 64 MB); {kcat_version}.
tripstream parses, validates and encodes every row; kcat sends each raw line as it is. {len(t_all)} runs of each
tool, alternating; throughput is judged on each tool's median run.

| tool | runs | median rows/s | best | worst | all runs | peak RSS (largest) |
|---|---|---|---|---|---|---|
| tripstream-producer | {len(t_all)} | {t_med:,.0f} | {max(t_all):,} | {min(t_all):,} | {', '.join(f'{x:,}' for x in t_all)} | {t_rss} MB |
| kcat -P (baseline) | {len(k_all)} | {k_med:,.0f} | {max(k_all):,} | {min(k_all):,} | {', '.join(f'{x:,}' for x in k_all)} | {k_rss} MB |

Flat memory: peak RSS {small_rss} MB for {int(small_rows):,} rows versus {t_rss} MB for {int(rows):,} rows.

| target | judged on | value | verdict |
|---|---|---|---|
| ≥ 1,000,000 rows/s | tripstream-producer, median run | {rate_text} | {ok(shown(rate_text) >= 1e6)} |
| ≥ 1.0 × kcat | median run to median run | {ratio_text} | {ok(shown(ratio_text) >= 1.0)} |
| RSS < 200 MB whatever the size | largest peak RSS, both sizes | {rss_text} | {ok(shown(rss_text) < 200)} |
""")
