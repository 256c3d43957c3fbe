"""An independent oracle for GET /v1/trips/weekly-average.

It reads the trips CSV itself and answers weekly-average requests from the documented
contract alone (docs/producer.md for the input, docs/api.md and docs/query.md for the
answer). It shares no code with tripstream: its own RFC 4180 split, its own WKT point and
datetime parsers, its own calendar arithmetic on day numbers, its own box test and week
ranges. Python standard library only.
"""

import bisect
import re
from collections import Counter

MAX_WEEKS = 1044
MICROS_PER_DAY = 86_400 * 1_000_000

# --------------------------------------------------------------------------- calendar

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DAYS_BEFORE_MONTH = tuple(sum(_MONTH_DAYS[:i]) for i in range(12))


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _leap_years_before(year):
    """Leap years in [1, year - 1] of the proleptic Gregorian calendar."""
    y = year - 1
    return y // 4 - y // 100 + y // 400


def days_in_month(year, month):
    return 29 if month == 2 and is_leap(year) else _MONTH_DAYS[month - 1]


def day_number(year, month, day):
    """Days since 1970-01-01 (negative before)."""
    days = 365 * (year - 1970) + _leap_years_before(year) - _leap_years_before(1970)
    days += _DAYS_BEFORE_MONTH[month - 1] + (1 if month > 2 and is_leap(year) else 0)
    return days + day - 1


def civil_date(days):
    """(year, month, day) of a day number."""
    year = 1970 + days // 366
    while day_number(year + 1, 1, 1) <= days:
        year += 1
    while day_number(year, 1, 1) > days:
        year -= 1
    rest = days - day_number(year, 1, 1)
    month = 1
    while rest >= days_in_month(year, month):
        rest -= days_in_month(year, month)
        month += 1
    return year, month, rest + 1


def format_day(days):
    return "%04d-%02d-%02d" % civil_date(days)


def week_monday(days):
    """The Monday of the ISO week of a day number (1970-01-01 was a Thursday)."""
    return days - (days + 3) % 7


def parse_iso_day(text):
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not m:
        raise ValueError("not a date: %r" % text)
    y, mo, d = (int(g) for g in m.groups())
    if not 1 <= mo <= 12 or not 1 <= d <= days_in_month(y, mo):
        raise ValueError("impossible date: %r" % text)
    return day_number(y, mo, d)


# --------------------------------------------------------------------------- CSV

def split_csv(data):
    """RFC 4180 records of a text: quoted fields ("" is a quote, newlines allowed inside),
    CR LF or LF line ends, a leading byte-order mark dropped. Yields (line, fields) with the
    1-based line the record starts on; blank lines are skipped."""
    if data.startswith("\ufeff"):
        data = data[1:]
    i, n, line = 0, len(data), 1
    while i < n:
        start_line = line
        fields, field, quoted_any = [], [], False
        while True:
            if i < n and data[i] == '"' and not field:
                quoted_any = True
                i += 1
                while True:
                    if i >= n:
                        raise ValueError("unterminated quote from line %d" % start_line)
                    c = data[i]
                    if c == '"':
                        if i + 1 < n and data[i + 1] == '"':
                            field.append('"')
                            i += 2
                            continue
                        i += 1
                        break
                    if c == "\n":
                        line += 1
                    field.append(c)
                    i += 1
            while i < n and data[i] not in ',\r\n':
                field.append(data[i])
                i += 1
            fields.append("".join(field))
            field = []
            if i < n and data[i] == ",":
                i += 1
                continue
            break
        # end of record: \r\n, \n or the end of the data
        if i < n and data[i] == "\r":
            i += 1
        if i < n and data[i] == "\n":
            i += 1
        line += 1
        if len(fields) == 1 and fields[0] == "" and not quoted_any:
            continue  # blank line
        yield start_line, fields


# --------------------------------------------------------------------------- values

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_POINT = re.compile(r"[Pp][Oo][Ii][Nn][Tt] ?\(\s*(%s)\s+(%s)\s*\)" % (_NUMBER, _NUMBER))
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?")


def parse_point(text):
    """(lon, lat) of a WKT point, or None when it is not a valid one."""
    m = _POINT.fullmatch(text)
    if not m:
        return None
    lon, lat = float(m.group(1)), float(m.group(2))  # correctly rounded, like strtod
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        return None
    return lon, lat


def parse_datetime_us(text):
    """Microseconds since 1970-01-01T00:00:00Z, or None when invalid."""
    m = _DATETIME.fullmatch(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    if not 1900 <= y <= 2199 or not 1 <= mo <= 12 or not 1 <= d <= days_in_month(y, mo):
        return None
    if h > 23 or mi > 59 or s > 59:
        return None
    frac = int((m.group(7) or "").ljust(6, "0"))
    offset_s = 0
    zone = m.group(8)
    if zone and zone != "Z":
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        offset_s = (oh * 3600 + om * 60) * (1 if zone[0] == "+" else -1)
    seconds = day_number(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset_s
    return seconds * 1_000_000 + frac


def _valid_name(text):
    return 1 <= len(text.encode("utf-8")) <= 64 and not any(
        ord(c) < 0x20 or ord(c) == 0x7F for c in text)


# --------------------------------------------------------------------------- trips

REQUIRED = ("region", "origin_coord", "destination_coord", "datetime", "datasource")


class Trip:
    __slots__ = ("line", "region", "olon", "olat", "dlon", "dlat", "time_us", "week",
                 "datasource")


def read_trips(path):
    """(accepted trips, rejected line numbers) of a trips CSV file."""
    with open(path, encoding="utf-8", newline="") as f:
        data = f.read()
    records = split_csv(data)
    _, header = next(records)
    names = [h.strip().lower() for h in header]
    col = {}
    for name in REQUIRED:
        if names.count(name) != 1:
            raise ValueError("header: column %s missing or repeated" % name)
        col[name] = names.index(name)
    need = max(col.values()) + 1
    trips, rejected = [], []
    for line, fields in records:
        if len(fields) < need:
            rejected.append(line)
            continue
        region = fields[col["region"]]
        datasource = fields[col["datasource"]]
        origin = parse_point(fields[col["origin_coord"]])
        destination = parse_point(fields[col["destination_coord"]])
        time_us = parse_datetime_us(fields[col["datetime"]])
        if (not _valid_name(region) or not _valid_name(datasource) or origin is None
                or destination is None or time_us is None):
            rejected.append(line)
            continue
        t = Trip()
        t.line, t.region, t.datasource = line, region, datasource
        t.olon, t.olat = origin
        t.dlon, t.dlat = destination
        t.time_us = time_us
        t.week = week_monday(time_us // MICROS_PER_DAY)
        trips.append(t)
    return trips, rejected


# --------------------------------------------------------------------------- answers

MATCHES = ("origin", "destination", "both", "any")


class _Scope:
    """The trips of one region (or of all) as tuples (origin lon, origin lat, destination
    lon, destination lat, week), sorted by origin and by destination longitude."""

    def __init__(self, trips):
        self.trips = trips
        self.weeks = Counter(t.week for t in trips)
        rows = [(t.olon, t.olat, t.dlon, t.dlat, t.week) for t in trips]
        self.by_origin = sorted(rows, key=lambda r: r[0])
        self.origin_lons = [r[0] for r in self.by_origin]
        self.by_destination = sorted(rows, key=lambda r: r[2])
        self.destination_lons = [r[2] for r in self.by_destination]

    def with_origin_lon(self, lo, hi):
        """The trips with lo <= origin lon <= hi."""
        keys = self.origin_lons
        return self.by_origin[bisect.bisect_left(keys, lo):bisect.bisect_right(keys, hi)]

    def with_destination_lon(self, lo, hi):
        keys = self.destination_lons
        return self.by_destination[bisect.bisect_left(keys, lo):bisect.bisect_right(keys, hi)]


class Oracle:
    def __init__(self, trips):
        self.trips = trips
        regions = {}
        for t in trips:
            regions.setdefault(t.region, []).append(t)
        self.scopes = {name: _Scope(ts) for name, ts in regions.items()}
        self.everything = _Scope(trips)

    def answer(self, region=None, box=None, match=None, from_day=None, to_day=None):
        """The expected answer: ("error", parameter-or-None) for a 400, else a dict with the
        fields of the API's JSON answer. `box` is (minLon, minLat, maxLon, maxLat)."""
        if region is None and box is None:
            return ("error", "region")
        if from_day is not None and to_day is not None:
            if from_day > to_day:
                return ("error", None)
            if (week_monday(to_day) - week_monday(from_day)) // 7 + 1 > MAX_WEEKS:
                return ("error", None)
        if region is not None and region not in self.scopes:
            return ("error", "region")
        scope = self.scopes[region] if region is not None else self.everything
        out = {"region": region, "bbox": list(box) if box else None, "match": match or "both"}
        empty = dict(out, **{"from": None, "to": None, "weeks": 0, "total_trips": 0,
                             "weekly_average": 0.0, "series": []})
        if from_day is None or to_day is None:
            if not scope.weeks:
                return empty
            first, last = min(scope.weeks), max(scope.weeks)
        if from_day is not None:
            first = week_monday(from_day)
        if to_day is not None:
            last = week_monday(to_day)
        if (last - first) // 7 + 1 > MAX_WEEKS:
            return ("error", None)
        if last < first:
            return empty
        counts = self._count(scope, box, match or "both", first, last)
        series = [{"week_start": format_day(w), "trips": counts.get(w, 0)}
                  for w in range(first, last + 1, 7)]
        total = sum(s["trips"] for s in series)
        return dict(out, **{"from": format_day(first), "to": format_day(last + 6),
                            "weeks": len(series), "total_trips": total,
                            "weekly_average": total / len(series), "series": series})

    @staticmethod
    def _count(scope, box, match, first, last):
        """Trips per week in [first, last] whose chosen ends lie in the box, edges included."""
        if box is None:
            return Counter({w: n for w, n in scope.weeks.items() if first <= w <= last})
        x0, y0, x1, y1 = box
        if match == "origin":
            weeks = [w for _, oy, _, _, w in scope.with_origin_lon(x0, x1) if y0 <= oy <= y1]
        elif match == "destination":
            weeks = [w for _, _, _, dy, w in scope.with_destination_lon(x0, x1) if y0 <= dy <= y1]
        elif match == "both":
            weeks = [w for _, oy, dx, dy, w in scope.with_origin_lon(x0, x1)
                     if y0 <= oy <= y1 and x0 <= dx <= x1 and y0 <= dy <= y1]
        else:  # any: the origin in the box, or else the destination
            weeks = [w for _, oy, _, _, w in scope.with_origin_lon(x0, x1) if y0 <= oy <= y1]
            weeks += [w for ox, oy, _, dy, w in scope.with_destination_lon(x0, x1)
                      if y0 <= dy <= y1 and not (x0 <= ox <= x1 and y0 <= oy <= y1)]
        counts = Counter(weeks)
        for w in [w for w in counts if not first <= w <= last]:
            del counts[w]
        return counts


    def naive_count(self, region, box, match):
        """Trips per week by the plain definition, trip by trip with no sorting: a check on
        the bisection in _count (the driver runs it on a sample of the requests)."""
        counts = Counter()
        for t in self.trips:
            if region is not None and t.region != region:
                continue
            if box is not None:
                o = box[0] <= t.olon <= box[2] and box[1] <= t.olat <= box[3]
                d = box[0] <= t.dlon <= box[2] and box[1] <= t.dlat <= box[3]
                ok = {"origin": o, "destination": d, "both": o and d, "any": o or d}[match or "both"]
                if not ok:
                    continue
            counts[t.week] += 1
        return counts


def self_check():
    """The calendar code against Python's own proleptic Gregorian calendar, and the parsers
    on hand-checked values: the oracle must not share a bug with anything."""
    import datetime
    epoch = datetime.date(1970, 1, 1).toordinal()
    for days in list(range(-30000, 90000, 7)) + list(range(17500, 18000)):
        d = datetime.date.fromordinal(epoch + days)
        assert day_number(d.year, d.month, d.day) == days, d
        assert civil_date(days) == (d.year, d.month, d.day), d
        assert format_day(week_monday(days)) == (d - datetime.timedelta(days=d.weekday())).isoformat()
    assert format_day(week_monday(day_number(2018, 1, 7))) == "2018-01-01"  # a Sunday
    assert format_day(week_monday(day_number(2018, 1, 8))) == "2018-01-08"  # a Monday
    assert parse_datetime_us("2018-01-07 23:30:00-01:00") == day_number(2018, 1, 8) * MICROS_PER_DAY + 1_800_000_000
    assert parse_datetime_us("2018-01-08T00:30:00+01:00") == day_number(2018, 1, 7) * MICROS_PER_DAY + 84_600_000_000
    assert parse_datetime_us("1970-01-01 00:00:00.5Z") == 500_000
    assert parse_datetime_us("2018-02-30 00:00:00") is None
    assert parse_datetime_us("2016-02-29 00:00:00") is not None
    assert parse_datetime_us("1900-02-29 00:00:00") is None
    assert parse_point("POINT (14.4 50.1)") == (14.4, 50.1)
    assert parse_point("point(1.44e1   -5.01E1)") == (14.4, -50.1)
    assert parse_point("POINT (14.4 123.4)") is None
    assert parse_point("LINE (1 2)") is None
    rows = list(split_csv('\ufeffa,b\r\n"x, ""y""",z\n\n"multi\nline",w\n'))
    assert rows == [(1, ["a", "b"]), (2, ['x, "y"', "z"]), (4, ["multi\nline", "w"])], rows
