#!/usr/bin/env python3
"""Open-loop latency for benchmarks/api/run, from vegeta's raw results.

    open_loop.py RESULTS.csv RATE

RESULTS.csv is `vegeta encode --to csv` of one `vegeta attack -rate RATE/s` (no header;
columns: timestamp ns, status code, latency ns, bytes out, bytes in, error, body, attack
name, sequence number, method, URL, headers). vegeta sends at a constant rate whatever the
server does (a request never waits for an earlier answer; its workers and connections grow
as needed), so a stall cannot hold requests back the way a closed loop does. What remains is
the generator itself falling behind on a busy machine: request number `seq` was due at
t0 + seq / RATE, and when it went out later the wait counts too. The latency reported is
therefore measured from the scheduled send time (wrk2's correction for coordinated
omission): corrected = (sent - scheduled, if positive) + vegeta's own latency.

Prints one JSON object: requests, duration_s, sent_rps (requests / sending period), rps
(2xx answers per second over the run), p50/p90/p99/p999/max/mean in ms (corrected),
raw_p99_ms (vegeta's own, uncorrected), send_lag_p99_ms / send_lag_max_ms (how late the
generator sent), non2xx, socket_errors (no HTTP answer: refused, reset, timeout).
"""
import csv
import json
import sys


def pct(sorted_values, p):
    """Nearest-rank percentile of a sorted list (p in 0..100)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def main():
    path, rate = sys.argv[1], float(sys.argv[2])
    rows = []
    csv.field_size_limit(1 << 30)
    with open(path, newline="") as f:
        for r in csv.reader(f):
            if not r:
                continue
            rows.append((int(r[8]), int(r[0]), int(r[1]), int(r[2]), r[5]))
    if not rows:
        sys.exit("open_loop.py: no results in " + path)
    rows.sort()
    interval = 1e9 / rate
    # When sequence number 0 was due: the attack's start, as the request that went out
    # earliest relative to its schedule implies it.
    t0 = min(ts - seq * interval for seq, ts, *_ in rows)
    corrected, raw, lags = [], [], []
    ok = non2xx = socket = 0
    last_answer = t0
    for seq, ts, code, latency, error in rows:
        lag = max(0.0, ts - (t0 + seq * interval))
        lags.append(lag)
        corrected.append(lag + latency)
        raw.append(latency)
        last_answer = max(last_answer, ts + latency)
        if code == 0:
            socket += 1
        elif 200 <= code < 300:
            ok += 1
        else:
            non2xx += 1
    n = len(rows)
    corrected.sort(); raw.sort(); lags.sort()
    sending = (rows[-1][1] - t0) + interval
    ms = 1e-6
    print(json.dumps({
        "requests": n, "rate": rate, "duration_s": round((last_answer - t0) / 1e9, 3),
        "sent_rps": round(n / (sending / 1e9), 1), "rps": round(ok / ((last_answer - t0) / 1e9), 1),
        "p50_ms": pct(corrected, 50) * ms, "p90_ms": pct(corrected, 90) * ms,
        "p99_ms": pct(corrected, 99) * ms, "p999_ms": pct(corrected, 99.9) * ms,
        "max_ms": corrected[-1] * ms, "mean_ms": sum(corrected) / n * ms,
        "raw_p99_ms": pct(raw, 99) * ms, "raw_max_ms": raw[-1] * ms,
        "send_lag_p99_ms": pct(lags, 99) * ms, "send_lag_max_ms": lags[-1] * ms,
        "non2xx": non2xx, "socket_errors": socket}))


if __name__ == "__main__":
    main()
