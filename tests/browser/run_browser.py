#!/usr/bin/env python3
"""The dashboard in a real browser (ctest `dashboard_browser`, label `integration`).

Starts the real stack's pieces on scratch databases and topics (tests/support/api_process.py):
tripstream-api with an API key and a k-means model, and a tripstream-consumer that runs for the
whole test. It stores a generated data set through the real producer, with a row whose region
name is HTML, then runs tests/browser/dashboard.test.mjs: headless Chromium from Debian
(/usr/bin/chromium), driven by puppeteer-core (npm, tests/browser/package-lock.json; it
downloads no browser), against the page at /. That script checks the page itself; see its
header for what. Screenshots and results.json go to --artifacts.

Usage: run_browser.py --build-dir BUILD [--artifacts DIR] [--chromium PATH] [--node PATH]
Fails (never skips) when Chromium, node, the driver, the built dashboard, PostgreSQL or Kafka
is missing.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from api_process import ApiProcess, Failure, run_test  # noqa: E402

API_KEY = "browser-test-key"
# Shown as text, never run: the page must not create this image (its onerror would set
# window.__pwned) nor any element from it.
HOSTILE_REGION = "<img src=x onerror=window.__pwned=1>"
HOSTILE_RAW = "<script>window.__pwned=2</script>"
# The uploaded trips start and end inside this box (Prague's centre), so the drawn box sees
# them arrive live.
UPLOAD_BOX = (14.38, 50.05, 14.48, 50.11)


def log(msg):
    print("[browser %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run(cmd, env, what, timeout=300):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise Failure("%s exited %d: %s" % (what, r.returncode, (r.stderr or r.stdout)[-2000:]))
    return r.stdout


def seed_csv(build_dir, env, path):
    """Generated trips (6 cities, 8 weeks) plus rows of a region named with HTML."""
    run([os.path.join(build_dir, "producer", "tripstream-producer"), "--generate", "6000",
         "--seed", "11", "--weeks", "8", "--output", path], env, "generating the seed data")
    with open(path, "a") as f:
        for i in range(5):
            f.write("%s,POINT (2.35 48.85),POINT (2.36 48.86),2018-01-%02d 10:00:00,funny_car\n"
                    % (HOSTILE_REGION, 8 + i))


def upload_csv(path, rows):
    """`rows` trips starting and ending inside UPLOAD_BOX in the seed's weeks, and one row the
    parser rejects, with HTML where its origin point should be (a rejected raw row to show)."""
    lines = ["region,origin_coord,destination_coord,datetime,datasource"]
    min_lon, min_lat, max_lon, max_lat = UPLOAD_BOX
    for i in range(rows):
        fx = (i % 17 + 1) / 19.0
        fy = (i % 13 + 1) / 15.0
        lon = min_lon + (max_lon - min_lon) * fx
        lat = min_lat + (max_lat - min_lat) * fy
        lines.append("Prague,POINT (%.6f %.6f),POINT (%.6f %.6f),2018-01-%02d %02d:%02d:00,"
                     "funny_car" % (lon, lat, max_lon - (lon - min_lon), lat, 1 + i % 28,
                                    i % 24, i % 60))
    lines.append("Prague,%s,POINT (14.4 50.08),2018-01-10 08:00:00,funny_car" % HOSTILE_RAW)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def wait_for_job(api, job, timeout=180):
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        request = urllib.request.Request("%s/v1/ingestions/%s" % (api.url, job),
                                         headers={"Authorization": "Bearer " + API_KEY})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                state = json.load(r)
            if state["state"] == "completed":
                return state
            if state["state"] == "failed":
                raise Failure("the seed job failed: %s" % state)
        except urllib.error.HTTPError as e:
            if e.code != 404:  # 404: the job record is not there yet
                raise
        time.sleep(0.5)
    raise Failure("the seed job did not complete within %d s (last: %s)" % (timeout, state))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--artifacts", default=None)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--node", default=shutil.which("node") or "node")
    args = parser.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    artifacts = os.path.abspath(args.artifacts or os.path.join(build_dir, "test-artifacts",
                                                               "browser"))
    if not os.access(args.chromium, os.X_OK):
        raise Failure("no Chromium at %s: run scripts/setup (Debian package chromium)"
                      % args.chromium)
    if not os.path.isdir(os.path.join(HERE, "node_modules", "puppeteer-core")):
        raise Failure("puppeteer-core is not installed in tests/browser: run scripts/setup")
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)
    work = os.path.join(artifacts, "work")
    os.makedirs(work)

    seed = os.path.join(work, "seed.csv")
    seed_csv(build_dir, dict(os.environ, TRIPSTREAM_CONFIG="/dev/null"), seed)
    model = os.path.join(work, "model.json")
    run([os.path.join(build_dir, "train", "tripstream-train"), seed, "-k", "4", "-o", model],
        dict(os.environ, TRIPSTREAM_CONFIG="/dev/null"), "training the model")
    upload = os.path.join(work, "upload.csv")
    upload_csv(upload, 240)

    api_env = {"API_KEY": API_KEY, "MODEL_PATH": model}
    with ApiProcess(os.path.join(build_dir, "api", "tripstream-api"), env=api_env,
                    log_path=os.path.join(artifacts, "api.log")) as api:
        env = dict(api.env, MODEL_PATH=model, BATCH_MAX_WAIT_MS="200")
        consumer_log = open(os.path.join(artifacts, "consumer.log"), "wb")
        consumer = subprocess.Popen([os.path.join(build_dir, "consumer", "tripstream-consumer"),
                                     "--id", "browser-test-consumer"], env=env,
                                    stdout=consumer_log, stderr=subprocess.STDOUT)
        try:
            job = str(uuid.uuid4())
            log("storing the seed data (job %s)" % job)
            run([os.path.join(build_dir, "producer", "tripstream-producer"), seed, "--job-id",
                 job, "--progress", "none"], env, "producing the seed data")
            stored = wait_for_job(api, job)
            log("seed stored: %d rows inserted, %d rejected" % (stored["rows_inserted"],
                                                               stored["rows_rejected"]))
            settings = {"url": api.url, "key": API_KEY, "chromium": args.chromium,
                        "artifacts": artifacts, "upload_csv": upload, "upload_box": UPLOAD_BOX,
                        "upload_rows": 240, "hostile_region": HOSTILE_REGION,
                        "hostile_raw": HOSTILE_RAW}
            log("driving Chromium (%s)" % args.chromium)
            code = subprocess.run([args.node, os.path.join(HERE, "dashboard.test.mjs"),
                                   json.dumps(settings)], timeout=600).returncode
            if code != 0:
                raise Failure("the browser checks failed (exit %d); screenshots and results in %s"
                              % (code, artifacts))
        finally:
            consumer.terminate()
            try:
                consumer.wait(60)
            except subprocess.TimeoutExpired:
                consumer.kill()
            consumer_log.close()
    log("passed; screenshots in %s" % artifacts)


if __name__ == "__main__":
    run_test(main)
