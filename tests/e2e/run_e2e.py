#!/usr/bin/env python3
"""End-to-end weekly-average test against an independent oracle (ctest label `e2e`).

The whole pipeline runs for real on resources of its own: a scratch database on the stack's
PostgreSQL (created, migrated by `tripstream-consumer --migrate-only`, dropped at the end),
three topics and a consumer group with unique names (deleted at the end). A CSV of generated
trips plus hand-made rows (points on the query grid's lines and a few ulps off them,
repeated coordinates, week-boundary times with UTC offsets, quoting, WKT and header
variants, broken rows) goes through tripstream-producer -> Kafka -> two tripstream-consumer
-> tripstream-api. Once the job is completed, thousands of random weekly-average requests go
to the API (in-memory index) and to a second API instance forced onto the database engine,
and every answer (region, bbox, match, from, to, weeks, total, average and the whole series)
must equal what oracle.py computes from the CSV text alone.

Fails (never skips) when Kafka or PostgreSQL is unreachable. Python standard library only.
Usage: run_e2e.py --build-dir BUILD [--rows N] [--requests N] [--db-requests N] [--seed S]
"""

import argparse
import concurrent.futures
import ctypes
import http.client
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from decimal import Decimal

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kafka_wire  # noqa: E402
import oracle  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))
from api_process import ApiProcess, Failure, psql, with_database  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GRID = 0.05  # docs/query.md: cells of 0.05 degrees, lines at -180 + k * 0.05 (lon), -90 + k * 0.05 (lat)


def log(msg):
    print("[e2e %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# --------------------------------------------------------------------------- processes

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: no orphan consumer outlives the test


def start(path, args, env, log_path):
    out = open(log_path, "ab")
    return subprocess.Popen([path] + args, env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)


def stop(proc, grace=20):
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


# --------------------------------------------------------------------------- the input

def grid_line_text(k):
    """Grid line k (-180 + 0.05 k) as the shortest decimal, e.g. '14.45'."""
    n = k * 5 - 18000
    return "%s%d.%02d" % ("-" if n < 0 else "", abs(n) // 100, abs(n) % 100)


def grid_coordinate(rng, centre, origin):
    """A coordinate text on or next to a grid line near `centre`."""
    k = int(math.floor((centre - origin) / GRID)) + rng.randint(-3, 3)
    kind = rng.randrange(4)
    if kind == 0:
        return grid_line_text(k) if origin == -180 else grid_line_text(k + 1800)
    v = k * GRID + origin  # the double a grid computation yields for the line
    for _ in range(rng.randint(0, 2) if kind == 1 else 0):
        v = math.nextafter(v, rng.choice((-1e9, 1e9)))
    if kind == 3:
        v += rng.choice((-1, 1)) * rng.choice((1e-9, 1e-12, 2e-7))
    return repr(v)


def wkt(rng, lon, lat):
    if rng.random() < 0.1:  # exponent notation, the same decimal value
        lon, lat = (format(Decimal(lon), "e") if "e" not in lon else lon,
                    format(Decimal(lat), "e") if "e" not in lat else lat)
    form = rng.choice(["POINT (%s %s)"] * 6 + ["POINT(%s %s)", "point (%s %s)", "Point (%s   %s)",
                                               "POINT (%s\t%s)"])
    return form % (lon, lat)


def local_time_text(rng, day, seconds, micros=None, zone=""):
    y, m, d = oracle.civil_date(day)
    text = "%04d-%02d-%02d%s%02d:%02d:%02d" % (y, m, d, rng.choice(" T"), seconds // 3600,
                                              seconds // 60 % 60, seconds % 60)
    if micros is not None:
        digits = rng.randint(1, 6)
        text += "." + ("%06d" % micros)[:digits]
    return text + zone


def special_rows(rng, centres, first_day, weeks):
    """Hand-made rows: grid lines, repeated points, week boundaries, formats; and broken rows.
    Each is a dict of column -> text."""
    rows = []
    regions = sorted(centres) + ["Ústí nad Labem"]
    centres = dict(centres, **{"Ústí nad Labem": (14.03, 50.66)})
    hubs = []
    for region in regions:
        lon, lat = centres[region]
        for _ in range(3):
            hubs.append((region, grid_coordinate(rng, lon, -180), grid_coordinate(rng, lat, -90)))
    # Weeks with trips: the generator's plus two more after a gap of three empty weeks.
    extra_weeks = [first_day + 7 * (weeks + 3), first_day + 7 * (weeks + 4)]

    def some_day():
        if rng.random() < 0.15:
            return rng.choice(extra_weeks) + rng.randrange(7)
        return first_day + rng.randrange(7 * weeks)

    def datetime_text():
        r = rng.random()
        day = some_day()
        if r < 0.5:
            micros = rng.randrange(1_000_000) if rng.random() < 0.3 else None
            zone = rng.choice(["", "", "Z", "+00:00", "+02:00", "-05:30"])
            return local_time_text(rng, day, rng.randrange(86400), micros, zone)
        monday = oracle.week_monday(day)
        boundary = [  # around the Sunday/Monday midnight between two ISO weeks
            (monday - 1, 86399, 999999, ""), (monday, 0, None, ""), (monday, 0, 0, "Z"),
            (monday - 1, 86399, None, "Z"), (monday, 1800, None, "+01:00"),
            (monday - 1, 84600, None, "-01:00"), (monday - 1, 86399, 999999, "-00:01"),
            (monday, 59, None, "+00:01"), (monday, 0, None, "+00:00"), (monday, 0, None, "-00:00")]
        d, s, us, zone = rng.choice(boundary)
        return local_time_text(rng, d, s, us, zone)

    def datasource():
        return rng.choice(["cheap_mobile", "funny_car", 'app "beta"', "partner, inc", "ds"])

    for i in range(3000):
        region = rng.choice(regions)
        lon, lat = centres[region]
        if i % 3 == 0:  # repeated points: hubs at both ends, or at one end
            h = rng.choice([h for h in hubs if h[0] == region])
            o = (h[1], h[2])
            if rng.random() < 0.5:
                h2 = rng.choice([h for h in hubs if h[0] == region])
                d = (h2[1], h2[2])
            else:
                d = (grid_coordinate(rng, lon, -180), grid_coordinate(rng, lat, -90))
            if rng.random() < 0.5:
                o, d = d, o
        else:
            o = (grid_coordinate(rng, lon, -180), grid_coordinate(rng, lat, -90))
            d = (grid_coordinate(rng, lon, -180), grid_coordinate(rng, lat, -90))
        row = {"region": region, "origin_coord": wkt(rng, *o), "destination_coord": wkt(rng, *d),
               "datetime": datetime_text(), "datasource": datasource()}
        if rng.random() < 0.03:
            row["note"] = rng.choice(["two\nlines", "with, comma", 'a "quoted" word'])
        rows.append(row)
        if rng.random() < 0.05:
            rows.append(dict(row))  # the very same trip twice: two trips
    base = {"region": "Prague", "origin_coord": "POINT (14.4 50.1)",
            "destination_coord": "POINT (14.45 50.05)", "datetime": "2018-01-10 10:00:00",
            "datasource": "broken"}
    for column, bad in [("origin_coord", "POINT (14.4 123.4)"), ("origin_coord", "POINT (190 50)"),
                        ("destination_coord", "LINE (1 2)"), ("destination_coord", "POINT (1 2 3)"),
                        ("destination_coord", "POINT ()"), ("datetime", "2018-02-30 09:03:40"),
                        ("datetime", "2018-01-10"), ("datetime", "1899-12-31 10:00:00"),
                        ("datetime", "2018-13-01 10:00:00"), ("region", ""), ("datasource", ""),
                        ("region", "R" * 65), ("datasource", "tab\there")]:
        rows.append(dict(base, **{column: bad}))
    rows.append({"region": "Prague", "origin_coord": "POINT (14.4 50.1)"})  # missing fields
    return rows


def write_csv(rng, path, generated, specials):
    """The input file: a byte-order mark, columns in another order with odd spacing and case
    and an extra column, mixed line ends, some quoted fields, blank lines."""
    columns = ["datasource", "datetime", "note", "destination_coord", "region", "origin_coord"]
    header = ["datasource", "DateTime", " note", "destination_coord", " Region ", "origin_coord"]
    rows = generated + specials
    rng.shuffle(rows)

    def field(text, force):
        if force or any(c in text for c in ',"\r\n') or text != text.strip():
            return '"' + text.replace('"', '""') + '"'
        return text

    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff" + ",".join(field(h, False) for h in header) + "\r\n")
        for i, row in enumerate(rows):
            if "note" not in row and "datasource" not in row:  # the short row
                f.write(",".join(field(row[c], False) for c in ("region", "origin_coord")) + "\n")
                continue
            quote = rng.random() < 0.05
            f.write(",".join(field(row.get(c, ""), quote) for c in columns))
            f.write("\r\n" if rng.random() < 0.1 else "\n")
            if rng.random() < 0.001:
                f.write("\n")  # a blank line
    return len(rows)


# --------------------------------------------------------------------------- requests

def number_text(rng, v):
    r = rng.random()
    if r < 0.1:
        return "%.17g" % v  # another spelling of the same double
    if r < 0.15:
        return format(Decimal(repr(v)), "e")  # exact: the same decimal digits
    return repr(v)


def random_requests(rng, count, orc, first_week, last_week):
    regions = sorted(orc.scopes)
    trips = orc.trips
    points = Counter((t.region, t.olon, t.olat) for t in trips)
    points.update((t.region, t.dlon, t.dlat) for t in trips)
    repeated = sorted(p for p, n in points.items() if n > 1)  # points of several trips
    out = []
    for i in range(count):
        kind = rng.choice(["region", "box", "region+box", "region+box"])
        region = rng.choice(regions) if kind != "box" else None
        box = None
        if kind != "region":
            t = rng.choice(orc.scopes[region].trips if region else trips)
            form = rng.randrange(8)
            if form == 0:  # edges on stored coordinates of two trips
                u = rng.choice(orc.scopes[t.region].trips)
                xs = [rng.choice((t.olon, t.dlon)), rng.choice((u.olon, u.dlon))]
                ys = [rng.choice((t.olat, t.dlat)), rng.choice((u.olat, u.dlat))]
                box = (min(xs), min(ys), max(xs), max(ys))
            elif form == 1:  # grid-line edges: decimal text, or the computed line a few ulps off
                kx = int(math.floor((t.olon + 180) / GRID))
                ky = int(math.floor((t.olat + 90) / GRID))
                w, h = rng.randint(0, 4), rng.randint(0, 4)
                if rng.random() < 0.5:
                    box = (float(grid_line_text(kx)), float(grid_line_text(ky + 1800)),
                           float(grid_line_text(kx + w)), float(grid_line_text(ky + h + 1800)))
                else:
                    e = [kx * GRID - 180, ky * GRID - 90, (kx + w) * GRID - 180, (ky + h) * GRID - 90]
                    e = [math.nextafter(v, rng.choice((-1e9, 1e9))) if rng.random() < 0.3 else v for v in e]
                    box = (min(e[0], e[2]), min(e[1], e[3]), max(e[0], e[2]), max(e[1], e[3]))
            elif form == 2:  # degenerate: a point (mostly one of several trips), or a line
                p = rng.choice([q for q in repeated[rng.randrange(len(repeated)):][:50]
                                if region is None or q[0] == region] or [(t.region, t.olon, t.olat)])
                box = (p[1], p[2], p[1], p[2]) if rng.random() < 0.7 else (
                    p[1], p[2] - 0.05, p[1], p[2] + 0.05)
            elif form == 3:  # nothing there
                box = rng.choice([(0.0, 0.0, 1.0, 1.0), (-180.0, -90.0, -179.0, -89.0),
                                  (t.olon + 1e-7, t.olat + 1e-7, t.olon + 2e-7, t.olat + 2e-7)])
            elif form == 4:
                box = (-180.0, -90.0, 180.0, 90.0)
            else:  # random box of a street to a city and beyond, around a trip
                size = rng.choice((0.002, 0.01, 0.05, 0.15, 0.4, 3.0))
                cx, cy = t.olon + rng.uniform(-0.02, 0.02), t.olat + rng.uniform(-0.02, 0.02)
                w, h = size * rng.uniform(0.2, 1), size * rng.uniform(0.2, 1)
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        match = rng.choice(oracle.MATCHES + (None,))
        if box is None and rng.random() < 0.6:
            match = None  # mostly no match without a box (it is ignored then)
        from_day = to_day = None
        r = rng.random()
        span_lo, span_hi = first_week - 21, last_week + 27
        if r < 0.3:
            from_day = rng.randint(span_lo, span_hi)
        if 0.2 < r < 0.55:
            to_day = rng.randint(span_lo, span_hi)
        if from_day is not None and to_day is not None and from_day > to_day:
            from_day, to_day = to_day, from_day
        if 0.55 < r < 0.57:  # errors: from after to; over 1044 weeks
            from_day, to_day = rng.choice([(last_week, last_week - 1),
                                           (first_week - 7 * 1044, first_week)])
        if 0.57 < r < 0.58:  # ranges to the data over the limit
            if rng.random() < 0.5:
                from_day = first_week - 7 * 1100
            else:
                to_day = last_week + 7 * 1100
        out.append((region, box, match, from_day, to_day))
    return out


def query_string(rng, region, box, match, from_day, to_day):
    params = []
    if region is not None:
        params.append("region=" + urllib.parse.quote(region, safe=""))
    if box is not None:
        s = lambda v: urllib.parse.quote(number_text(rng, v), safe="")  # "+" is %2B
        form = rng.randrange(4)
        if form < 2:
            params.append("bbox=%s,%s,%s,%s" % tuple(s(v) for v in box))
        else:  # two opposite corners, either diagonal, either order
            a, b = (box[0], box[1]), (box[2], box[3])
            if form == 3:
                a, b = (box[2], box[1]), (box[0], box[3])
            if rng.random() < 0.5:
                a, b = b, a
            params.append("p1=%s,%s" % (s(a[0]), s(a[1])))
            params.append("p2=%s,%s" % (s(b[0]), s(b[1])))
    if match is not None:
        params.append("match=" + match)
    if from_day is not None:
        params.append("from=" + oracle.format_day(from_day))
    if to_day is not None:
        params.append("to=" + oracle.format_day(to_day))
    rng.shuffle(params)
    return "/v1/trips/weekly-average?" + "&".join(params)


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def get(self, target):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request("GET", target)
                r = self.conn.getresponse()
                body = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, {k.lower(): v for k, v in r.getheaders()}, body
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise


def compare(expected, status, headers, body, engine):
    """The differences between an answer and the oracle's, as a list of strings."""
    if isinstance(expected, tuple):  # an error
        diffs = []
        if status != 400:
            return ["status %d, expected 400: %s" % (status, body[:200])]
        if headers.get("content-type") != "application/problem+json":
            diffs.append("content-type %r" % headers.get("content-type"))
        if expected[1] is not None and json.loads(body).get("parameter") != expected[1]:
            diffs.append("parameter %r, expected %r" % (json.loads(body).get("parameter"), expected[1]))
        return diffs
    if status != 200:
        return ["status %d: %s" % (status, body[:300])]
    got = json.loads(body)
    diffs = []
    if headers.get("x-tripstream-engine") != engine:
        diffs.append("engine %r, expected %r" % (headers.get("x-tripstream-engine"), engine))
    for key in ("region", "bbox", "match", "from", "to", "weeks", "total_trips", "weekly_average"):
        if got.get(key, "<absent>") != expected[key]:
            diffs.append("%s: got %r, expected %r" % (key, got.get(key, "<absent>"), expected[key]))
    gs, es = got.get("series"), expected["series"]
    if gs != es:
        if not isinstance(gs, list) or len(gs) != len(es):
            diffs.append("series: %s weeks, expected %d" % (
                len(gs) if isinstance(gs, list) else repr(gs), len(es)))
        bad = [(g, e) for g, e in zip(gs or [], es) if g != e]
        for g, e in bad[:3]:
            diffs.append("series: got %s, expected %s" % (json.dumps(g), json.dumps(e)))
        if len(bad) > 3:
            diffs.append("series: %d more differing weeks" % (len(bad) - 3))
    return diffs


# --------------------------------------------------------------------------- the run

def run(args, scratch, state):
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    server_url = os.environ.get("DATABASE_URL", "postgresql://tripstream@127.0.0.1:5433/tripstream")
    build = os.path.abspath(args.build_dir)
    exe = {name: os.path.join(build, sub, "tripstream-" + name)
           for name, sub in (("producer", "producer"), ("consumer", "consumer"), ("api", "api"))}
    for path in exe.values():
        if not os.access(path, os.X_OK):
            raise Failure("missing executable %s (build the project first)" % path)
    if shutil.which("psql") is None:
        raise Failure("psql is missing (scripts/setup installs it)")
    try:
        kafka_wire.check_broker(kafka)
    except Exception as e:
        raise Failure("Kafka is not reachable at %s (%s): start it with scripts/stack up" % (kafka, e))
    try:
        psql(server_url, "SELECT 1")
    except Failure as e:
        raise Failure("PostgreSQL is not reachable at %s: start it with scripts/stack up (%s)" % (server_url, e))

    suffix = "%d_%d" % (int(time.time() * 1000), os.getpid())
    db_name = "tripstream_e2e_" + suffix
    topic = "e2e-" + suffix.replace("_", "-")
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka, TOPIC=topic, DEAD_LETTER_TOPIC=topic + ".dlq",
               JOBS_TOPIC=topic + ".jobs", CONSUMER_GROUP=topic, TRIPSTREAM_CONFIG="/dev/null")
    env.pop("API_KEY", None)
    env.pop("QUERY_ENGINE", None)
    env.pop("MODEL_PATH", None)

    # 1. Resources of our own.
    psql(server_url, "CREATE DATABASE " + db_name)
    state["database"] = (server_url, db_name)
    db_url = with_database(server_url, db_name)
    psql(db_url, "CREATE EXTENSION postgis")
    env["DATABASE_URL"] = db_url
    state["topics"] = (kafka, [topic, topic + ".dlq", topic + ".jobs"], topic)
    # The topics as docs/message-format.md specifies them, created here rather than by the
    # producer: right after creating a topic the producer may see no partitions yet and fail
    # ("topic ... has no partitions"; seen once here under load, reported separately).
    kafka_wire.create_topic(kafka, topic, 12)
    kafka_wire.create_topic(kafka, topic + ".dlq", 3)
    kafka_wire.create_topic(kafka, topic + ".jobs", 1, {"cleanup.policy": "compact"})
    r = subprocess.run([exe["consumer"], "--migrate-only"], env=env, capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise Failure("tripstream-consumer --migrate-only exited %d: %s" % (r.returncode, r.stderr[-2000:]))
    log("scratch database %s migrated; topics %s{,.dlq,.jobs}" % (db_name, topic))

    # 2. The input: generated trips plus hand-made rows, and the oracle's reading of it.
    rng = random.Random(args.seed)
    gen_path = os.path.join(scratch, "generated.csv")
    r = subprocess.run([exe["producer"], "--generate", str(args.rows), "--weeks", str(args.weeks),
                        "--seed", str(args.seed), "--output", gen_path], env=env,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise Failure("tripstream-producer --generate exited %d: %s" % (r.returncode, r.stderr[-2000:]))
    with open(gen_path, encoding="utf-8", newline="") as f:
        records = oracle.split_csv(f.read())
        header = next(records)[1]
        generated = [dict(zip(header, fields)) for _, fields in records]
    centres = {}
    for row in generated[::10]:
        centres.setdefault(row["region"], []).append(oracle.parse_point(row["origin_coord"]))
    centres = {k: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v)) for k, v in centres.items()}
    first_day = oracle.day_number(2018, 1, 1)  # the generator's first Monday (docs/producer.md)
    specials = special_rows(rng, centres, first_day, args.weeks)
    csv_path = os.path.join(scratch, "input.csv")
    total_rows = write_csv(rng, csv_path, generated, specials)
    trips, rejected = oracle.read_trips(csv_path)
    orc = oracle.Oracle(trips)
    weeks = sorted(orc.everything.weeks)
    on_lines = sum(1 for t in trips for v in (t.olon, t.dlon) if grid_line_text(round((v + 180) / GRID)) == repr(v))
    log("input %s: %d rows, %d trips accepted by the oracle, %d rejected, %d regions, weeks %s..%s, "
        "%d longitudes exactly on a decimal grid line" % (
            csv_path, total_rows, len(trips), len(rejected), len(orc.scopes),
            oracle.format_day(weeks[0]), oracle.format_day(weeks[-1]), on_lines))

    # 3. The pipeline: the API (which migrates too), two consumers, the producer.
    # Both APIs use this run's database and topics (tests/support/api_process.py).
    for name, api_env in (("api.log", env), ("api-database.log", dict(env, QUERY_ENGINE="database"))):
        api = ApiProcess(exe["api"], env=api_env, log_path=os.path.join(scratch, name),
                         scratch_database=False, scratch_topics=False)
        state["apis"].append(api)
        api.start()
    ports = [api.port for api in state["apis"]]
    consumers = [start(exe["consumer"], ["--id", "e2e-%d" % i], env, os.path.join(scratch, "consumer-%d.log" % i))
                 for i in range(2)]
    state["procs"].extend(consumers)
    job = str(uuid.uuid4())
    started = time.monotonic()
    r = subprocess.run([exe["producer"], csv_path, "--job-id", job, "--progress", "none"], env=env,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise Failure("tripstream-producer exited %d: %s %s" % (r.returncode, r.stdout[-1000:], r.stderr[-2000:]))
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    if (summary["rows_sent"], summary["rows_rejected"]) != (len(trips), len(rejected)):
        raise Failure("producer sent %d and rejected %d rows; the oracle accepts %d and rejects %d" % (
            summary["rows_sent"], summary["rows_rejected"], len(trips), len(rejected)))
    client, db_client = Client(ports[0]), Client(ports[1])
    deadline = time.monotonic() + 180
    while True:
        status, _, body = client.get("/v1/ingestions/" + job)
        state_name = json.loads(body).get("state") if status == 200 else None
        if state_name == "completed":
            break
        if state_name == "failed" or time.monotonic() > deadline:
            raise Failure("job %s is %s after %.0f s: %s" % (job, state_name, time.monotonic() - started, body[:500]))
        for p in consumers:
            if p.poll() is not None:
                raise Failure("a consumer exited with %d (logs in %s)" % (p.returncode, scratch))
        time.sleep(0.2)
    done = json.loads(body)
    if done.get("rows_inserted") != len(trips):
        raise Failure("job completed with rows_inserted %r, the oracle accepts %d" % (done.get("rows_inserted"), len(trips)))
    log("job %s completed in %.1f s: %d rows inserted, %r rejected" % (
        job, time.monotonic() - started, done["rows_inserted"], done.get("rows_rejected")))
    wait_for_index(client, len(trips))

    # 4. Random requests to both engines, each answer against the oracle. The requests go
    # out from two threads (one per API instance) while this one computes the answers.
    req_rng = random.Random(args.seed * 31 + 1)
    requests = random_requests(req_rng, args.requests + args.db_requests, orc, weeks[0], weeks[-1])
    targets = [query_string(req_rng, *r) for r in requests]
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        got_index = pool.submit(lambda: [client.get(t) for t in targets[:args.requests]])
        got_db = pool.submit(lambda: [db_client.get(t) for t in targets[args.requests:]])
        expected = [orc.answer(*r) for r in requests]
        oracle_seconds = time.monotonic() - t0
        responses = got_index.result() + got_db.result()
    elapsed = time.monotonic() - t0
    # The oracle's bisection against its own trip-by-trip count, on a sample.
    for r, e in list(zip(requests, expected))[::25]:
        if isinstance(e, tuple) or e["weeks"] == 0:
            continue
        naive = orc.naive_count(r[0], r[1], r[2])
        want = [naive.get(oracle.parse_iso_day(w["week_start"]), 0) for w in e["series"]]
        if want != [w["trips"] for w in e["series"]]:
            raise Failure("oracle self-check failed for %r" % (r,))
    mismatches, by_kind = [], {}
    for i, (e, (status, headers, body)) in enumerate(zip(expected, responses)):
        engine = "database" if i >= args.requests else "index"
        diffs = compare(e, status, headers, body, engine)
        kind = "error" if isinstance(e, tuple) else (
            "empty" if e["weeks"] == 0 else "zero" if e["total_trips"] == 0 else "trips")
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if diffs:
            mismatches.append((targets[i], engine, diffs))
    log("%d requests compared in %.1f s (oracle %.1f s; %d to the index, %d to the database "
        "engine): %s" % (len(responses), elapsed, oracle_seconds, args.requests, args.db_requests,
        ", ".join("%d %s" % (n, k) for k, n in sorted(by_kind.items()))))
    if mismatches:
        kinds = {}
        for _, engine, diffs in mismatches:
            key = "%s %s" % (engine, diffs[0].split(":")[0])
            kinds[key] = kinds.get(key, 0) + 1
        lines = ["%d of %d answers differ from the oracle (%s); the first ones:" % (
            len(mismatches), len(responses), ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())))]
        for target, engine, diffs in mismatches[:5]:
            lines.append("  [%s] GET %s" % (engine, target))
            lines.extend("      " + d for d in diffs[:8])
        raise Failure("\n".join(lines))


def wait_for_index(client, trips):
    want = "\ntripstream_index_trips %d\n" % trips
    deadline = time.monotonic() + 60
    while want not in client.get("/metrics")[2].decode():
        if time.monotonic() > deadline:
            raise Failure("the API's index never held %d trips" % trips)
        time.sleep(0.1)


def cleanup(state):
    problems = []
    for api in state["apis"]:
        try:
            api.stop()  # SIGTERM; exit code 0 or a failure with the log's tail
        except Failure as e:
            problems.append(str(e))
    for p in state["procs"]:
        code = stop(p)
        if code not in (0, -signal.SIGTERM):
            problems.append("%s exited %s" % (os.path.basename(p.args[0]), code))
    if "database" in state:
        server_url, name = state["database"]
        try:
            psql(server_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        except Exception as e:
            problems.append("could not drop database %s: %s" % (name, e))
    if "topics" in state:
        kafka, topics, group = state["topics"]
        try:
            for t, code in kafka_wire.delete_topics(kafka, topics).items():
                if code not in (kafka_wire.OK, kafka_wire.UNKNOWN_TOPIC):
                    problems.append("could not delete topic %s (error %d)" % (t, code))
            code = kafka_wire.delete_group(kafka, group)
            if code not in (kafka_wire.OK, kafka_wire.GROUP_NOT_FOUND):
                problems.append("could not delete consumer group %s (error %d)" % (group, code))
        except Exception as e:
            problems.append("could not delete the topics: %s" % e)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("TRIPSTREAM_BUILD_DIR", os.path.join(ROOT, "build/release")))
    ap.add_argument("--rows", type=int, default=int(os.environ.get("E2E_ROWS", 40000)))
    ap.add_argument("--weeks", type=int, default=10)
    ap.add_argument("--requests", type=int, default=int(os.environ.get("E2E_REQUESTS", 3000)))
    ap.add_argument("--db-requests", type=int, default=int(os.environ.get("E2E_DB_REQUESTS", 1000)))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("E2E_SEED", 20261202)))
    args = ap.parse_args()
    started = time.monotonic()
    oracle.self_check()
    scratch = tempfile.mkdtemp(prefix="tripstream-e2e-")
    state = {"procs": [], "apis": []}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    failure = None
    try:
        run(args, scratch, state)
    except Failure as e:
        failure = str(e)
    except BaseException as e:  # noqa: B902 - report anything, then clean up
        failure = "%s: %s" % (type(e).__name__, e)
    finally:
        problems = cleanup(state)
    if problems:
        failure = (failure + "\n" if failure else "") + "cleanup: " + "; ".join(problems)
    if failure:
        print("FAIL (seed %d; logs and input in %s):\n%s" % (args.seed, scratch, failure), flush=True)
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    log("PASS in %.1f s (seed %d)" % (time.monotonic() - started, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
