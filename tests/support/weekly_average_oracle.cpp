#include "support/weekly_average_oracle.hpp"

#include <charconv>

#include "tripstream/time/civil_time.hpp"

namespace tripstream::test {

using query::match_name;
using query::WeeklyAverageRequest;
using query::WeeklyAverageResult;

std::string shortest_double(double v) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// The definition, with no grid: per-week counts of raw trips whose chosen ends lie in the
// box (edges included), and the week range the definition implies.
WeeklyAverageResult brute_force_weekly_average(db::PgConnection& conn,
                                               const WeeklyAverageRequest& r) {
    std::vector<db::PgParam> p{
        r.region, r.from_days ? std::optional(format_date(*r.from_days)) : std::nullopt,
        r.to_days ? std::optional(format_date(*r.to_days)) : std::nullopt,
        std::string(match_name(r.match))};
    for (double v : {r.bbox ? r.bbox->min_lon : 0.0, r.bbox ? r.bbox->min_lat : 0.0,
                     r.bbox ? r.bbox->max_lon : 0.0, r.bbox ? r.bbox->max_lat : 0.0})
        p.emplace_back(shortest_double(v));
    p.emplace_back(r.bbox ? "t" : "f");
    const auto rows = conn.exec(R"(
        WITH t AS (
            SELECT date_trunc('week', trip_time AT TIME ZONE 'UTC')::date AS week,
                   ST_X(origin) BETWEEN $5::float8 AND $7::float8
                       AND ST_Y(origin) BETWEEN $6::float8 AND $8::float8 AS o,
                   ST_X(destination) BETWEEN $5::float8 AND $7::float8
                       AND ST_Y(destination) BETWEEN $6::float8 AND $8::float8 AS d
              FROM tripstream.trips JOIN tripstream.regions USING (region_id)
             WHERE $1::text IS NULL OR name = $1::text),
        span AS (
            SELECT coalesce(date_trunc('week', $2::date)::date, min(week)) AS lo,
                   coalesce(date_trunc('week', $3::date)::date, max(week)) AS hi FROM t)
        SELECT w::date - DATE '1970-01-01',
               (SELECT count(*) FROM t WHERE t.week = w AND (NOT $9::bool OR CASE $4::text
                    WHEN 'origin' THEN o WHEN 'destination' THEN d
                    WHEN 'both' THEN o AND d ELSE o OR d END))
          FROM span, generate_series(lo, hi, interval '7 days') AS w ORDER BY 1)",
                                p);
    WeeklyAverageResult expected;
    for (int i = 0; i < PQntuples(rows.get()); ++i) {
        expected.series.push_back(
            {std::stoll(PQgetvalue(rows.get(), i, 0)), std::stoll(PQgetvalue(rows.get(), i, 1))});
        expected.total_trips += expected.series.back().trips;
    }
    return expected;
}

std::string describe(const WeeklyAverageRequest& r) {
    std::string s = r.region.value_or("*") + " match=" + std::string(match_name(r.match));
    if (r.bbox) {
        s += " bbox=" + shortest_double(r.bbox->min_lon) + "," + shortest_double(r.bbox->min_lat) +
             "," + shortest_double(r.bbox->max_lon) + "," + shortest_double(r.bbox->max_lat);
    }
    if (r.from_days) s += " from=" + format_date(*r.from_days);
    if (r.to_days) s += " to=" + format_date(*r.to_days);
    return s;
}

}  // namespace tripstream::test
