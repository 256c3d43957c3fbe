#!/usr/bin/env python3
"""The API's answer to every request of a targets.tsv, for duckdb_check.py.

    fetch_answers.py PORT TARGETS.tsv OUT.jsonl

Sends each row's target (the last column; see benchmarks/api/targets.py) to
tripstream-api on 127.0.0.1:PORT, one request at a time on one kept-alive connection, and
writes one JSON line per row, in the file's order: {"target", "status", "ms", "body"} (body:
the parsed JSON answer). API_KEY in the environment adds Authorization: Bearer. Exits 1 when
the server cannot be reached; non-200 answers are written as they are (duckdb_check.py counts
them as mismatches). Python standard library only.
"""
import http.client
import json
import os
import sys
import time


def main():
    port, tsv, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    targets = [line.rstrip("\n").split("\t")[-1] for line in open(tsv) if line.strip()]
    headers = {}
    if os.environ.get("API_KEY"):
        headers["Authorization"] = "Bearer " + os.environ["API_KEY"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    last_note = time.monotonic()
    with open(out, "w") as f:
        for i, target in enumerate(targets):
            for attempt in range(2):  # one reconnect if the server closed the kept-alive connection
                try:
                    t0 = time.perf_counter()
                    conn.request("GET", target, headers=headers)
                    resp = conn.getresponse()
                    raw = resp.read()
                    ms = (time.perf_counter() - t0) * 1e3
                    break
                except (http.client.HTTPException, ConnectionError, OSError) as e:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    if attempt == 1:
                        sys.exit(f"fetch_answers.py: {target}: {e}")
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            f.write(json.dumps({"target": target, "status": resp.status, "ms": round(ms, 4), "body": body}) + "\n")
            if time.monotonic() - last_note > 30:
                last_note = time.monotonic()
                print(f"fetch_answers.py: {i + 1:,} of {len(targets):,} answers", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
