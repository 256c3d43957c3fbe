#!/usr/bin/env python3
"""The library's answer equals the API's (ctest `example_vs_api`, label `integration`).

examples/weekly_average_example (built against the installed package by `package_example`,
this test's fixture) answers weekly-average questions from data/sample-trips.csv with the
library alone. Here the same CSV goes through the real stack: uploaded to tripstream-api
(POST /v1/ingestions, on a scratch database and topics of the stack, tests/support/
api_process.py), stored by a tripstream-consumer; then, for a set of questions (each region,
boxes around each region's busiest area with every `match`, a week range, the whole world),
the example's JSON must equal GET /v1/trips/weekly-average's body: region, bbox, match,
from, to, weeks, total_trips, weekly_average and the whole series. An unknown region is
refused by both (400 and exit code 2). Usage:
  run_example_vs_api.py --build-dir BUILD [--example PATH]
Fails (never skips) when PostgreSQL or Kafka is unreachable.
"""

import argparse
import csv
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from api_process import ApiProcess, Failure  # noqa: E402

SAMPLE = os.path.join(ROOT, "data", "sample-trips.csv")
WORLD = {"bbox": "-180,-90,180,90", "match": "any"}


def log(msg):
    print("[example_vs_api %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def point(wkt):
    lon, lat = wkt.strip()[len("POINT ("):-1].split()
    return float(lon), float(lat)


def questions():
    """Weekly-average questions (query parameters) about the sample's trips."""
    with open(SAMPLE, newline="") as f:
        rows = list(csv.DictReader(f))
    out = [WORLD]
    for region in sorted({r["region"] for r in rows}):
        mine = [r for r in rows if r["region"] == region]
        origins = [point(r["origin_coord"]) for r in mine]
        lon = statistics.median(p[0] for p in origins)
        lat = statistics.median(p[1] for p in origins)
        bbox = "%.6f,%.6f,%.6f,%.6f" % (lon - 0.05, lat - 0.04, lon + 0.05, lat + 0.04)
        out.append({"region": region})
        out.append({"region": region, "bbox": bbox})
        for match in ("origin", "destination", "any"):
            out.append({"bbox": bbox, "match": match})
    first = min(datetime.date.fromisoformat(r["datetime"][:10]) for r in rows)
    out.append({"region": "Prague", "from": str(first + datetime.timedelta(days=10)),
                "to": str(first + datetime.timedelta(days=30))})
    return out


def example_answer(example, params):
    """(exit code, stdout as JSON or None) of the example for `params`."""
    command = [example, SAMPLE]
    for key, value in params.items():
        command += ["--" + key, value]
    r = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else None), r.stderr


def api_answer(api, params):
    """(HTTP status, body as JSON, engine header) of GET /v1/trips/weekly-average."""
    url = "%s/v1/trips/weekly-average?%s" % (api.url, urllib.parse.urlencode(params))
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, json.load(r), r.headers.get("X-Tripstream-Engine")
    except urllib.error.HTTPError as e:
        return e.code, json.load(e), None


def store_sample(api, build, work):
    """Uploads the sample through the API and lets a consumer store it; returns the job."""
    with open(SAMPLE, "rb") as f:
        request = urllib.request.Request(api.url + "/v1/ingestions", data=f.read(),
                                         headers={"Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=60) as r:
        job = json.load(r)["job_id"]
    with open(os.path.join(work, "consumer.log"), "ab") as out:
        code = subprocess.run([os.path.join(build, "consumer", "tripstream-consumer"),
                               "--exit-when-idle", "2"], env=api.env, stdout=out,
                              stderr=subprocess.STDOUT, timeout=120).returncode
    if code != 0:
        raise Failure("the consumer exited %d (log %s/consumer.log)" % (code, work))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("%s/v1/ingestions/%s" % (api.url, job), timeout=10) as r:
                state = json.load(r)
            if state["state"] == "completed":
                return state
        except urllib.error.HTTPError as e:
            if e.code != 404:  # 404: the job record is not stored yet
                raise
        time.sleep(0.3)
    raise Failure("job %s did not complete within 60 s" % job)


def wait_until_answered(api, stored):
    """Waits until the API counts every stored trip (its index follows commits shortly)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body, _ = api_answer(api, WORLD)
        if status == 200 and body["total_trips"] == stored:
            return
        time.sleep(0.2)
    raise Failure("the API never counted the %d stored trips (last: %s %s)" % (stored, status,
                                                                              body))


def compare(api, example):
    failures = []
    engines = set()
    counted = 0  # questions whose answer counts trips: equal zeros would prove little
    asked = questions()
    for params in asked:
        code, mine, stderr = example_answer(example, params)
        status, theirs, engine = api_answer(api, params)
        engines.add(engine)
        counted += bool(mine and mine["total_trips"] > 0)
        if code != 0 or status != 200:
            failures.append("%s: example exit %d (%s), API %d %s" % (params, code, stderr.strip(),
                                                                    status, theirs))
        elif mine != theirs:
            failures.append("%s:\n  example %s\n  API     %s" % (params, json.dumps(mine),
                                                              json.dumps(theirs)))
    unknown = {"region": "Atlantis"}
    code, _, _ = example_answer(example, unknown)
    status, _, _ = api_answer(api, unknown)
    if (code, status) != (2, 400):
        failures.append("unknown region: example exit %d (expected 2), API %d (expected 400)"
                        % (code, status))
    if counted < len(asked) // 2:
        failures.append("only %d of %d questions count any trip" % (counted, len(asked)))
    log("%d questions asked, %d with trips; API engines %s" % (
        len(asked), counted, sorted(e or "-" for e in engines)))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True, help="the CMake build folder")
    ap.add_argument("--example", help="the built example (default: where package_example "
                                      "builds it, BUILD/package-example/build)")
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    example = args.example or os.path.join(build, "package-example", "build",
                                           "weekly_average_example")
    if not os.access(example, os.X_OK):
        print("FAILED: no example at %s (the package_example test builds it)" % example)
        return 1
    work = tempfile.mkdtemp(prefix="tripstream-example-vs-api-")
    try:
        with ApiProcess(os.path.join(build, "api", "tripstream-api"),
                        log_path=os.path.join(work, "api.log")) as api:
            job = store_sample(api, build, work)
            log("job %s stored %d rows (%d rejected)" % (job["id"], job["rows_inserted"],
                                                         job["rows_rejected"]))
            wait_until_answered(api, job["rows_inserted"])
            failures = compare(api, example)
    except Failure as e:
        failures = [str(e)]
    if failures:
        print("FAILED: the example and the API disagree (work folder %s):\n%s" % (
            work, "\n".join(failures)))
        return 1
    shutil.rmtree(work, ignore_errors=True)
    log("the example's answers equal the API's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
