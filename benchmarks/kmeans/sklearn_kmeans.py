#!/usr/bin/python3
"""The scikit-learn side of benchmarks/kmeans/run, and the report.

  fit:    trains sklearn.cluster.KMeans on the per-region matrices exported by
          tripstream-kmeans-bench (byte-identical input), one JSON line per region plus a
          TOTAL line, in the same shape as `tripstream-kmeans-bench train`.
  report: turns the JSON lines of both sides into the markdown section of docs/benchmarks.md.
"""
import argparse
import json
import os
import sys
import time


def fit(args):
    import numpy as np
    import sklearn
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info

    manifest = json.load(open(os.path.join(args.dir, "manifest.json")))
    total_seconds = 0.0
    total_inertia = 0.0
    for region in manifest["regions"]:
        x = np.fromfile(os.path.join(args.dir, region["file"]), dtype="<f8").reshape(-1, 6)
        assert x.shape[0] == region["rows"]
        model = KMeans(n_clusters=args.k, init="k-means++", n_init=args.n_init,
                       max_iter=args.max_iter, tol=args.tol, random_state=args.seed,
                       algorithm=args.algorithm)
        start = time.perf_counter()
        model.fit(x)
        seconds = time.perf_counter() - start
        total_seconds += seconds
        total_inertia += model.inertia_
        print(json.dumps({"region": region["name"], "rows": int(x.shape[0]), "k": args.k,
                          "inertia": float(model.inertia_), "iterations": int(model.n_iter_),
                          "seconds": seconds}), flush=True)
    openmp = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "openmp"]
    print(json.dumps({"region": "TOTAL", "k": args.k, "inertia": total_inertia,
                      "seconds": total_seconds, "threads": max(openmp) if openmp else 1,
                      "sklearn": sklearn.__version__, "numpy": np.__version__,
                      "algorithm": args.algorithm}))


def lines_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def total(path):
    return lines_of(path)[-1]


def result_file(out, side, k, run):
    return os.path.join(out, f"kmeans-{side}-k{k}-run{run}.jsonl")


def region_rows(out, k, run):
    """(region, tripstream line, sklearn line) per region of one run and k."""
    ts = lines_of(result_file(out, "tripstream", k, run))[:-1]
    sk = {r["region"]: r for r in lines_of(result_file(out, "sklearn", k, run))[:-1]}
    return [(r["region"], r, sk[r["region"]]) for r in ts]


def shown(text):
    """The number a cell shows (verdicts are judged on the printed, rounded value)."""
    return float(text.replace(",", "").split()[0])


def verdict(ok):
    return "met" if ok else "**missed**"


def report(args):
    runs = range(1, args.runs + 1)
    rows = [(run, k, total(result_file(args.out, "tripstream", k, run)),
             total(result_file(args.out, "sklearn", k, run))) for run in runs for k in args.ks]
    sk0 = rows[0][3]
    lines = [
        f"Run `{args.command}` on {args.date}; machine: {args.machine}; source: {args.source}"
        + (f"; load average (1, 5, 15 min) at the start / end: {args.load}." if args.load else "."),
        f"Data: {args.trips:,} generated trips (TripGenerator, seed {args.seed}) -> 6 features,"
        " trained per region (6 regions, k clusters each), exported once as raw float64 so both"
        " sides read byte-identical matrices.",
        f"Both: greedy k-means++ init, n_init={args.n_init}, max_iter={args.max_iter},"
        f" tol={args.tol} (relative to the mean feature variance, sklearn's definition),"
        f" float64, seed {args.seed}. scikit-learn {sk0['sklearn']} (numpy {sk0['numpy']}),"
        f" KMeans(algorithm=\"{sk0['algorithm']}\"), OpenMP threads: {sk0['threads']};"
        f" tripstream: Lloyd + Hamerly bounds, {rows[0][2]['threads']} threads (std::thread),"
        " built -O3 without -march flags (portable SSE2 code). Training time is the wall time of"
        " the fit calls only (data already in memory), both sides, summed over the regions of"
        " one model. The machine is shared (other builds and benchmarks run on it), so timings"
        " are noisy, scikit-learn's OpenMP ones most: the two sides alternate within a run, so"
        " each ratio compares neighbours in time.",
        "",
        "Inertia is judged per region: each region is its own model, so the worst region is the"
        " case the target names (the sum over regions would let a better region hide a worse one).",
        "",
        "| run | k | inertia tripstream (sum) | inertia sklearn (sum) | ratio of sums |"
        " worst region ratio | worst region | train s tripstream | train s sklearn | time ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    worst_regions = []
    for run, k, ts, sk in rows:
        per = [(t["inertia"] / s["inertia"], name) for name, t, s in region_rows(args.out, k, run)]
        wr, wname = max(per)
        worst_regions.append((f"{wr:.4f}", wname, run, k))
        lines.append(f"| {run} | {k} | {ts['inertia']:.6e} | {sk['inertia']:.6e} |"
                     f" {ts['inertia'] / sk['inertia']:.4f} | {wr:.4f} | {wname} | {ts['seconds']:.2f} |"
                     f" {sk['seconds']:.2f} | {ts['seconds'] / sk['seconds']:.2f} |")
    all_ratios = [t["inertia"] / s["inertia"] for run in runs for k in args.ks
                  for _, t, s in region_rows(args.out, k, run)]
    assign = [(run, ts) for run, k, ts, _ in rows if k == 16]
    cpu = all("assign_trips_per_cpu_s" in ts for _, ts in assign)
    akey = "assign_trips_per_cpu_s" if cpu else "assign_trips_per_s"
    lines += [
        "",
        f"Per region ({len(all_ratios)} fits: 6 regions x {len(args.ks)} k x {args.runs} runs), the"
        f" inertia ratio ranges from {min(all_ratios):.4f} to {max(all_ratios):.4f}.",
        "",
        "Assignment with the trained k=16 model, one thread. *Whole trips*: `assign(const Trip&)`,"
        " region lookup, projection, sin/cos of the time and the nearest-centroid search, which is"
        " what assigning a trip costs; *feature rows*: `assign_features`, the search alone on"
        " precomputed features, for reference. "
        + ("Rates per CPU second of the measuring thread (its own work on one core, whatever else"
           " ran on the machine) and per wall-clock second." if cpu else
           "Rates per wall-clock second only (this run's tripstream-kmeans-bench did not report"
           " CPU time), so other work on the machine lowers them."),
        "",
    ]
    if cpu:
        lines += ["| run | M trips/s per CPU-s, whole trips | M trips/s wall, whole trips |"
                  " M points/s per CPU-s, feature rows | M points/s wall, feature rows |",
                  "|---|---|---|---|---|"]
        for run, ts in assign:
            lines.append(f"| {run} | {ts['assign_trips_per_cpu_s'] / 1e6:.1f} | {ts['assign_trips_per_s'] / 1e6:.1f} |"
                         f" {ts['assign_features_per_cpu_s'] / 1e6:.1f} | {ts['assign_features_per_s'] / 1e6:.1f} |")
    else:
        lines += ["| run | M trips/s wall, whole trips | M points/s wall, feature rows |", "|---|---|---|"]
        for run, ts in assign:
            lines.append(f"| {run} | {ts['assign_trips_per_s'] / 1e6:.1f} | {ts['assign_features_per_s'] / 1e6:.1f} |")
    lines += [
        "",
        "| target | judged on | value | verdict |",
        "|---|---|---|---|",
    ]
    wtext, wname, wrun, wk = max(worst_regions, key=lambda x: float(x[0]))
    t = f"{wtext} ({wname}, k={wk}, run {wrun})"
    lines.append(f"| inertia ≤ 1.005 × sklearn | worst region over runs and k (table: worst region ratio)"
                 f" | {t} | {verdict(shown(t) <= 1.005)} |")
    times = [(f"{ts['seconds'] / sk['seconds']:.2f}", run, k) for run, k, ts, sk in rows]
    ttext, trun, tk = max(times, key=lambda x: float(x[0]))
    t = f"{ttext} (k={tk}, run {trun})"
    lines.append(f"| training time ≤ 1.0 × sklearn | worst run and k, time of one model (all regions)"
                 f" | {t} | {verdict(shown(t) <= 1.0)} |")
    atext, arun = min(((f"{ts[akey] / 1e6:.1f}", run) for run, ts in assign), key=lambda x: float(x[0]))
    t = f"{atext} M trips/s (run {arun})"
    basis = "per CPU second" if cpu else "per wall-clock second"
    lines.append(f"| assignment ≥ 20 M trips/s/core (k=16) | whole trips, {basis}, worst run | {t} |"
                 f" {verdict(shown(t) >= 20)} |")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--dir", required=True)
    f.add_argument("--k", type=int, required=True)
    f.add_argument("--n-init", type=int, default=3)
    f.add_argument("--max-iter", type=int, default=100)
    f.add_argument("--tol", type=float, default=1e-4)
    f.add_argument("--seed", type=int, default=42)
    f.add_argument("--algorithm", default="lloyd", choices=["lloyd", "elkan"])
    r = sub.add_parser("report")
    r.add_argument("--out", required=True)
    r.add_argument("--ks", type=int, nargs="+", required=True)
    r.add_argument("--runs", type=int, default=1)
    r.add_argument("--date", required=True)
    r.add_argument("--machine", required=True)
    r.add_argument("--trips", type=int, required=True)
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--n-init", type=int, required=True)
    r.add_argument("--max-iter", type=int, required=True)
    r.add_argument("--tol", type=float, required=True)
    r.add_argument("--command", default="benchmarks/kmeans/run")
    r.add_argument("--source", default="unknown")
    r.add_argument("--load", default="")
    args = parser.parse_args()
    fit(args) if args.command == "fit" else report(args)


if __name__ == "__main__":
    sys.exit(main())
