#!/usr/bin/env python3
"""Per-row Ir of every function, old against new, from four callgrind outputs.

Usage: ir_diff.py self|inc OLD_SMALL.cg OLD_LARGE.cg NEW_SMALL.cg NEW_LARGE.cg [TOP] [ROWS]
Each function's cost per row is (large run - small run) / ROWS (default 100000): the
startup (migrations, joining the group) cancels out. Sorted by the new-minus-old change.
"""
import re
import subprocess
import sys


def load(path, inclusive):
    out = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
                          "--threshold=100", "--auto=no", path],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        # The same function from two source trees and build folders gets one name.
        name = re.sub(r"^/tmp/[^/]*/|^/work/main/", "", m.group(2))
        name = re.sub(r" \[/work/main/build/[^/]+/", " [", name)
        name = re.sub(r"\[clone [^\]]*\]", "", name)
        costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    inclusive = sys.argv[1] == "inc"
    a1, a2, b1, b2 = (load(f, inclusive) for f in sys.argv[2:6])
    top = int(sys.argv[6]) if len(sys.argv) > 6 else 40
    rows = int(sys.argv[7]) if len(sys.argv) > 7 else 100000
    res = []
    for k in set(a1) | set(a2) | set(b1) | set(b2):
        a = (a2.get(k, 0) - a1.get(k, 0)) / rows
        b = (b2.get(k, 0) - b1.get(k, 0)) / rows
        res.append((b - a, a, b, k))
    res.sort(key=lambda r: -abs(r[0]))
    print(f"{'delta':>8} {'old':>8} {'new':>8}  function (Ir per row)")
    for d, a, b, k in res[:top]:
        print(f"{d:8.1f} {a:8.1f} {b:8.1f}  {k[:160]}")


main()
