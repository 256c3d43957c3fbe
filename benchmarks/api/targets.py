#!/usr/bin/env python3
"""Writes the fixed, seeded weekly-average request mix of benchmarks/api/run.

    targets.py OUT_DIR [COUNT] [SEED]

OUT_DIR/all.txt holds COUNT request targets (one path?query per line) mixed over the box
classes below; OUT_DIR/<class>.txt holds COUNT targets of one class each; OUT_DIR/targets.tsv
describes every target of all.txt and the class files (for the SQL baseline):
class, region, minLon, minLat, maxLon, maxLat, match, from, to, target.

Classes (box side lengths in degrees; at 50 N, 0.01 deg of longitude is about 0.7 km):
  street    0.002 - 0.01    a street or a block
  district  0.01 - 0.08     a neighbourhood to a district
  city      0.08 - 0.3      a whole city
  wide      0.3 - 3         beyond a city: the whole region and its surroundings
  region    no box          region only
Boxes are centred within 0.1 deg of a generated region's centre (where the trips are). Half
the boxed requests also name the region; match is uniform over origin/destination/both/any;
a third have from/to (whole weeks inside the generated 26 weeks from 2018-01-01); one in
ten gives the box in the original system's p1/p2 corner form.
"""
import datetime
import random
import sys

REGIONS = {  # name: centre (lon, lat), as common/src/generator/trip_generator.cpp
    "Prague": (14.4378, 50.0755), "Turin": (7.6869, 45.0703), "Hamburg": (9.9937, 53.5511),
    "Milan": (9.1900, 45.4642), "Vienna": (16.3738, 48.2082), "Barcelona": (2.1734, 41.3851),
}
CLASSES = {"street": (0.002, 0.01), "district": (0.01, 0.08), "city": (0.08, 0.3),
           "wide": (0.3, 3.0), "region": None}
MIX = [("street", 0.25), ("district", 0.25), ("city", 0.25), ("wide", 0.15), ("region", 0.10)]
MATCHES = ["origin", "destination", "both", "any"]
START = datetime.date(2018, 1, 1)
WEEKS = 26


def target(rng, cls):
    name = rng.choice(sorted(REGIONS))
    lon0, lat0 = REGIONS[name]
    match = rng.choice(MATCHES)
    params, box, region = [], None, name
    if CLASSES[cls] is not None:
        lo, hi = CLASSES[cls]
        w = rng.uniform(lo, hi)
        h = rng.uniform(lo, hi) * 0.7  # a degree of latitude is longer than one of longitude
        cx, cy = lon0 + rng.uniform(-0.1, 0.1), lat0 + rng.uniform(-0.1, 0.1)
        box = tuple(round(v, 6) for v in (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        if rng.random() < 0.5:
            region = None
        if rng.random() < 0.1:
            # The original system's form: two corners in any order.
            c1, c2 = ((box[0], box[3]), (box[2], box[1])) if rng.random() < 0.5 else \
                     ((box[2], box[3]), (box[0], box[1]))
            params += [f"p1={c1[0]},{c1[1]}", f"p2={c2[0]},{c2[1]}"]
        else:
            params.append("bbox=" + ",".join(str(v) for v in box))
        params.append(f"match={match}")
    else:
        match = "both"
    if region:
        params.insert(0, f"region={region}")
    frm = to = ""
    if rng.random() < 1 / 3:
        a = rng.randrange(WEEKS)
        b = rng.randrange(a, min(WEEKS, a + 13))
        frm = (START + datetime.timedelta(weeks=a, days=rng.randrange(7))).isoformat()
        to = (START + datetime.timedelta(weeks=b, days=rng.randrange(7))).isoformat()
        if to < frm:
            to = frm
        params += [f"from={frm}", f"to={to}"]
    path = "/v1/trips/weekly-average?" + "&".join(params)
    row = [cls, region or "", *(box or ("", "", "", "")), match, frm, to, path]
    return path, row


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    rng = random.Random(seed)
    rows = []
    names, weights = zip(*MIX)
    with open(f"{out}/all.txt", "w") as f:
        for _ in range(count):
            path, row = target(rng, rng.choices(names, weights)[0])
            f.write(path + "\n")
            rows.append(["all"] + row)
    for cls in CLASSES:
        with open(f"{out}/{cls}.txt", "w") as f:
            for _ in range(count):
                path, row = target(rng, cls)
                f.write(path + "\n")
                rows.append([cls] + row)
    with open(f"{out}/targets.tsv", "w") as f:
        for r in rows:
            f.write("\t".join(str(v) for v in r) + "\n")


if __name__ == "__main__":
    main()
