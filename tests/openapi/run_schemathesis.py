#!/usr/bin/env python3
"""Property-based test of api/openapi.json against the real tripstream-api (ctest
`openapi_schemathesis`, label `integration`).

Schemathesis (PyPI, installed by scripts/setup into build/tools/schemathesis) reads the
document the server serves at /openapi.json, generates requests from it (valid and invalid:
examples, boundary values, fuzzing, and sequences that follow the document's links) and checks
every answer against the document: no 5xx that the document does not allow, documented status
codes, content types, headers and bodies (event streams event by event), invalid input refused
with a 4xx, valid input accepted, the API key enforced. Any failure fails the test.

Two servers, each on a scratch database and topics (tests/support/api_process.py):
  1. with API_KEY and a k-means model, after an upload that a consumer stored (so the answers
     have jobs, trips and cluster counts to show): every operation;
  2. with API_KEY and no model: the /v1/clusters operations, whose every answer is then 503.

Fixed seed and a bounded number of examples per operation, one worker: the same requests on
every run, in well under two minutes. Usage:
  run_schemathesis.py --build-dir BUILD [--schemathesis PATH] [--seed N] [--max-examples N]
Fails (never skips) when schemathesis is missing, or PostgreSQL or Kafka is unreachable.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from api_process import ApiProcess, Failure  # noqa: E402

API_KEY = "schemathesis-key"
SCHEMATHESIS = os.path.join(ROOT, "build", "tools", "schemathesis", "bin", "schemathesis")
MAX_LINE = 2000


def log(msg):
    print("[openapi %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def seed_csv(rows, rng):
    """A small CSV of trips in two regions, with one broken row (a rejected row to list)."""
    lines = ["region,origin_coord,destination_coord,datetime,datasource"]
    centres = {"Prague": (14.43, 50.08), "Turin": (7.68, 45.07)}
    for i in range(rows):
        region = "Prague" if i % 3 else "Turin"
        lon, lat = centres[region]
        point = lambda: "POINT (%.5f %.5f)" % (lon + rng.uniform(-0.1, 0.1),
                                               lat + rng.uniform(-0.1, 0.1))
        lines.append("%s,%s,%s,2026-01-%02d %02d:%02d:00,seed" % (
            region, point(), point(), 5 + i % 20, i % 24, i % 60))
    lines.append("Prague,POINT (14.4 95),POINT (14.4 50.1),2026-01-05 08:00:00,seed")
    return ("\n".join(lines) + "\n").encode()


def store_seed_data(api, build_dir, model, work):
    """Uploads a CSV through the API and lets a consumer store it."""
    request = urllib.request.Request(api.url + "/v1/ingestions", data=seed_csv(300, random.Random(7)),
                                     headers={"Content-Type": "text/csv", "X-API-Key": API_KEY})
    with urllib.request.urlopen(request, timeout=60) as r:
        if r.status != 202:
            raise Failure("seed upload answered %d" % r.status)
    env = dict(api.env, MODEL_PATH=model)
    with open(os.path.join(work, "consumer.log"), "ab") as out:
        code = subprocess.run([os.path.join(build_dir, "consumer", "tripstream-consumer"),
                               "--exit-when-idle", "2"], env=env, stdout=out,
                              stderr=subprocess.STDOUT, timeout=120).returncode
    if code != 0:
        raise Failure("the consumer storing the seed data exited %d (log %s/consumer.log)"
                      % (code, work))


def config_file(work, extra):
    """schemathesis.toml, plus `extra` (another file of this folder) appended."""
    with open(os.path.join(HERE, "schemathesis.toml")) as f:
        text = f.read()
    if extra:
        with open(os.path.join(HERE, extra)) as f:
            text += "\n" + f.read()
    path = os.path.join(work, "schemathesis-%s.toml" % (extra or "base").split(".")[0])
    with open(path, "w") as f:
        f.write(text)
    return path


def schemathesis(args, api, work, name, config, selection=()):
    """Runs schemathesis against `api`; returns its exit code (0: no failure)."""
    command = [args.schemathesis, "--config-file", config, "--no-color",
               "run", api.url + "/openapi.json",
               "--checks", "all",
               "--seed", str(args.seed),
               "--max-examples", str(args.max_examples),
               "--workers", "1",
               "--header", "Authorization: Bearer " + API_KEY,
               "--header", "X-API-Key: " + API_KEY,
               "--report", "junit", "--report-dir", os.path.join(work, name)] + list(selection)
    log("schemathesis (%s): %s" % (name, " ".join(command[1:])))
    started = time.monotonic()
    output = os.path.join(work, name + ".log")
    # Its working folder is scratch: it writes .hypothesis/ and reports there, not in the tree.
    with open(output, "wb") as out:
        code = subprocess.run(command, cwd=work, stdout=out, stderr=subprocess.STDOUT).returncode
    # A failing request can carry a 4 MiB body: lines are cut so that the report stays readable
    # (the whole output stays in the work folder).
    with open(output, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            print(line if len(line) <= MAX_LINE else line[:MAX_LINE] + " ... (cut; see %s)" % output)
    log("schemathesis (%s) exited %d after %.0f s" % (name, code, time.monotonic() - started))
    return code


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True, help="the CMake build folder")
    ap.add_argument("--schemathesis", default=SCHEMATHESIS, help="the schemathesis executable")
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--max-examples", type=int, default=100, help="per operation and phase")
    args = ap.parse_args()
    if not os.access(args.schemathesis, os.X_OK):
        print("schemathesis is missing (%s): run scripts/setup" % args.schemathesis)
        return 1
    build = os.path.abspath(args.build_dir)
    exe = os.path.join(build, "api", "tripstream-api")
    work = tempfile.mkdtemp(prefix="tripstream-openapi-")
    model = os.path.join(work, "model.json")
    subprocess.run([os.path.join(build, "train", "tripstream-train"), "--generate", "20000",
                    "-k", "4", "-o", model], check=True, stdout=subprocess.DEVNULL)
    failures = []
    try:
        with ApiProcess(exe, env={"API_KEY": API_KEY, "MODEL_PATH": model},
                        log_path=os.path.join(work, "api-model.log")) as api:
            store_seed_data(api, build, model, work)
            if schemathesis(args, api, work, "model", config_file(work, None)) != 0:
                failures.append("with a model (server log %s)" % api.log_path)
        with ApiProcess(exe, env={"API_KEY": API_KEY},
                        log_path=os.path.join(work, "api-no-model.log")) as api:
            if schemathesis(args, api, work, "no-model",
                            config_file(work, "schemathesis-no-model.toml"),
                            ["--include-path-regex", "^/v1/clusters"]) != 0:
                failures.append("without a model (server log %s)" % api.log_path)
    except Failure as e:
        failures.append(str(e))
    if failures:
        print("FAILED: schemathesis found failures, or the run could not start: " +
              "; ".join(failures) + " (work folder %s)" % work)
        print("0 passed, 1 failed")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("schemathesis found no failure in both runs")
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
