#!/usr/bin/env python3
"""tripstream as an installed C++ package (ctest `package_example`, label `unit`).

Installs the build folder into a scratch prefix (`cmake --install BUILD --prefix PREFIX`),
checks what is there (the four executables, the library, its headers, the CMake package),
that each installed executable's --version prints `tripstream-<name> <version>`, configures
and builds examples/ against the prefix alone (-DCMAKE_PREFIX_PATH, with -Werror: the
installed headers must compile cleanly outside this tree) and runs the example on
data/sample-trips.csv: its answer must be the API's JSON shape and count the CSV's trips.

The built example stays in BUILD/package-example/build for `example_vs_api`, which compares
its answers with the API's (a ctest fixture). Usage:
  run_package_example.py --build-dir BUILD --version X.Y.Z
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(ROOT, "data", "sample-trips.csv")
EXECUTABLES = ("tripstream-producer", "tripstream-consumer", "tripstream-api", "tripstream-train")
KEYS = {"region", "bbox", "match", "from", "to", "weeks", "total_trips", "weekly_average",
        "series"}


class Failure(Exception):
    pass


def log(msg):
    print("[package %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run(command, what, **kwargs):
    r = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    if r.returncode != 0:
        raise Failure("%s failed (exit %d): %s\n%s%s" % (what, r.returncode, " ".join(command),
                                                         r.stdout[-4000:], r.stderr[-4000:]))
    return r


def cache_value(build, key):
    """A variable of BUILD/CMakeCache.txt ('' when absent)."""
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            name, sep, value = line.rstrip("\n").partition("=")
            if sep and name.split(":")[0] == key:
                return value
    return ""


def check_installed(prefix, version):
    expected = ["bin/" + exe for exe in EXECUTABLES] + [
        "lib/libtripstream_common.a",
        "include/tripstream/version.hpp",
        "include/tripstream/query/trip_index_builder.hpp",
        "lib/cmake/tripstream/tripstreamConfig.cmake",
        "lib/cmake/tripstream/tripstreamConfigVersion.cmake",
        "lib/cmake/tripstream/tripstreamTargets.cmake"]
    missing = [p for p in expected if not os.path.exists(os.path.join(prefix, p))]
    if missing:
        raise Failure("not installed: %s" % ", ".join(missing))
    for exe in EXECUTABLES:
        out = run([os.path.join(prefix, "bin", exe), "--version"], exe + " --version").stdout
        if out != "%s %s\n" % (exe, version):
            raise Failure("%s --version printed %r, expected %r" % (exe, out, exe + " " + version))


def build_example(build, prefix, work, version):
    """Configures and builds examples/ against `prefix` only; returns the executable."""
    example_build = os.path.join(work, "build")
    command = ["cmake", "-S", os.path.join(ROOT, "examples"), "-B", example_build,
               "-G", cache_value(build, "CMAKE_GENERATOR"),
               "-DCMAKE_PREFIX_PATH=" + prefix,
               "-DCMAKE_BUILD_TYPE=Release",
               "-DCMAKE_CXX_COMPILER=" + cache_value(build, "CMAKE_CXX_COMPILER"),
               "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror"]
    launcher = cache_value(build, "CMAKE_CXX_COMPILER_LAUNCHER")
    if launcher:
        command.append("-DCMAKE_CXX_COMPILER_LAUNCHER=" + launcher)
    configured = run(command, "configuring examples/").stdout
    if "-- tripstream %s (%s" % (version, os.path.join(prefix, "lib", "cmake", "tripstream")) \
            not in configured:
        raise Failure("examples/ did not find tripstream %s in %s:\n%s" % (version, prefix,
                                                                          configured))
    run(["cmake", "--build", example_build], "building examples/")
    return os.path.join(example_build, "weekly_average_example")


def check_example(example):
    with open(SAMPLE, newline="") as f:
        prague = sum(1 for row in csv.DictReader(f) if row["region"] == "Prague")
    r = run([example, SAMPLE, "--region", "Prague"], "the example")
    answer = json.loads(r.stdout)
    if set(answer) != KEYS:
        raise Failure("the example's answer has keys %s, the API's body %s" % (
            sorted(answer), sorted(KEYS)))
    if answer["total_trips"] != prague or sum(w["trips"] for w in answer["series"]) != prague:
        raise Failure("the example counted %s trips in Prague, the CSV has %d: %s" % (
            answer["total_trips"], prague, r.stdout))
    if "clusters in" not in r.stderr:
        raise Failure("the example did not report its k-means clusters: %s" % r.stderr)
    unknown = subprocess.run([example, SAMPLE, "--region", "Atlantis"], capture_output=True,
                             text=True, timeout=120)
    if unknown.returncode != 2 or unknown.stdout:
        raise Failure("an unknown region: exit %d, stdout %r (expected 2 and nothing)" % (
            unknown.returncode, unknown.stdout))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True, help="the CMake build folder to install")
    ap.add_argument("--version", required=True, help="the project's version (CMake)")
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    work = os.path.join(build, "package-example")
    prefix = os.path.join(work, "prefix")
    try:
        shutil.rmtree(work, ignore_errors=True)
        started = time.monotonic()
        run(["cmake", "--install", build, "--prefix", prefix], "cmake --install")
        check_installed(prefix, args.version)
        log("installed into %s (%.1f s)" % (prefix, time.monotonic() - started))
        example = build_example(build, prefix, work, args.version)
        log("examples/ built against it (%.1f s)" % (time.monotonic() - started))
        check_example(example)
    except (Failure, OSError, ValueError, subprocess.TimeoutExpired) as e:
        print("FAILED: %s" % e)
        return 1
    log("the example answers from the installed package (%.1f s)" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
