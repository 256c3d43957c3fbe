#include "support/weekly_average_oracle.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <vector>

namespace tripstream::test {
namespace {

using query::Match;
using query::WeeklyAverageRequest;
using query::WeeklyAverageResult;

constexpr int64_t kMicrosPerDay = 86'400'000'000;
constexpr int64_t kDaysPer400Years = 146'097;

int64_t floor_div(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool leap_year(int64_t y) {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int month_length(int64_t y, int m) {
    static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : kDays[m - 1];
}

// The Monday of the ISO week of a day number: 1970-01-01 was a Thursday, day 3 of its week.
int64_t monday_of(int64_t days) {
    return days - (((days + 3) % 7) + 7) % 7;
}

double to_double(const char* text) {
    double v = 0;
    const char* end = text + std::char_traits<char>::length(text);
    const auto [ptr, ec] = std::from_chars(text, end, v);
    if (ec != std::errc{} || ptr != end)
        throw std::runtime_error(std::string("not a double: ") + text);
    return v;
}

bool in_box(double lon, double lat, const GeoBox& b) {
    return b.min_lon <= lon && lon <= b.max_lon && b.min_lat <= lat && lat <= b.max_lat;
}

bool matches(Match match, bool origin, bool destination) {
    switch (match) {
        case Match::origin:
            return origin;
        case Match::destination:
            return destination;
        case Match::both:
            return origin && destination;
        case Match::any:
            return origin || destination;
    }
    return false;
}

}  // namespace

std::string shortest_double(double v) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string date_text(int64_t days) {
    // Whole 400-year cycles first (each is 146,097 days from any year on), then year by year
    // and month by month.
    const int64_t cycles = floor_div(days, kDaysPer400Years);
    int64_t rest = days - cycles * kDaysPer400Years;
    int64_t year = 1970 + 400 * cycles;
    while (rest >= (leap_year(year) ? 366 : 365)) {
        rest -= leap_year(year) ? 366 : 365;
        ++year;
    }
    int month = 1;
    while (rest >= month_length(year, month)) {
        rest -= month_length(year, month);
        ++month;
    }
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(year), month,
                  static_cast<int>(rest) + 1);
    return buf;
}

int64_t day_number(int64_t year, int month, int day) {
    // Days to 1 January of `year` from 1 January 1970: 365 a year plus the leap days between.
    const auto leap_days_before = [](int64_t y) {
        return floor_div(y - 1, 4) - floor_div(y - 1, 100) + floor_div(y - 1, 400);
    };
    int64_t days = 365 * (year - 1970) + leap_days_before(year) - leap_days_before(1970);
    for (int m = 1; m < month; ++m)
        days += month_length(year, m);
    return days + day - 1;
}

bool valid_date(int64_t year, int month, int day) {
    return month >= 1 && month <= 12 && day >= 1 && day <= month_length(year, month);
}

std::string match_text(Match match) {
    switch (match) {
        case Match::origin:
            return "origin";
        case Match::destination:
            return "destination";
        case Match::both:
            return "both";
        case Match::any:
            return "any";
    }
    return "?";
}

// The definition (docs/api.md), with no grid: per-week counts of raw trips whose chosen ends
// lie in the box (edges included) over every week from the first to the last, zero weeks
// included; a missing end of the range is the first/last week with any trip of the region
// (of any region without one); no data and a missing end: no weeks.
WeeklyAverageResult brute_force_weekly_average(db::PgConnection& conn,
                                               const WeeklyAverageRequest& r) {
    // Raw values only: no date_trunc, no BETWEEN, no PostGIS predicate. extract(epoch) is
    // numeric, so the microseconds are exact.
    const auto rows = conn.exec(
        "SELECT ST_X(t.origin)::float8, ST_Y(t.origin)::float8, ST_X(t.destination)::float8,"
        " ST_Y(t.destination)::float8, (extract(epoch FROM t.trip_time) * 1000000)::int8"
        " FROM tripstream.trips t JOIN tripstream.regions g ON g.region_id = t.region_id"
        " WHERE $1::text IS NULL OR g.name = $1::text",
        {r.region});
    const int n = PQntuples(rows.get());
    std::vector<std::pair<int64_t, bool>> trips;  // (week Monday, matches)
    trips.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto value = [&](int c) { return PQgetvalue(rows.get(), i, c); };
        const int64_t us = std::stoll(value(4));
        const int64_t week = monday_of(floor_div(us, kMicrosPerDay));
        bool hit = true;
        if (r.bbox) {
            hit = matches(r.match, in_box(to_double(value(0)), to_double(value(1)), *r.bbox),
                          in_box(to_double(value(2)), to_double(value(3)), *r.bbox));
        }
        trips.emplace_back(week, hit);
    }
    WeeklyAverageResult expected;
    int64_t first = 0;
    int64_t last = -1;
    if (!r.from_days || !r.to_days) {
        if (trips.empty()) return expected;
        const auto [lo, hi] = std::minmax_element(trips.begin(), trips.end());
        first = lo->first;
        last = hi->first;
    }
    if (r.from_days) first = monday_of(*r.from_days);
    if (r.to_days) last = monday_of(*r.to_days);
    std::map<int64_t, int64_t> counts;
    for (const auto& [week, hit] : trips)
        if (hit) ++counts[week];
    for (int64_t week = first; week <= last; week += 7) {
        const auto it = counts.find(week);
        expected.series.push_back({week, it == counts.end() ? 0 : it->second});
        expected.total_trips += expected.series.back().trips;
    }
    return expected;
}

std::string describe(const WeeklyAverageRequest& r) {
    std::string s = r.region.value_or("*") + " match=" + match_text(r.match);
    if (r.bbox) {
        s += " bbox=" + shortest_double(r.bbox->min_lon) + "," + shortest_double(r.bbox->min_lat) +
             "," + shortest_double(r.bbox->max_lon) + "," + shortest_double(r.bbox->max_lat);
    }
    if (r.from_days) s += " from=" + date_text(*r.from_days);
    if (r.to_days) s += " to=" + date_text(*r.to_days);
    return s;
}

}  // namespace tripstream::test
