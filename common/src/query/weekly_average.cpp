#include "tripstream/query/weekly_average.hpp"

#include <algorithm>
#include <map>

#include "tripstream/db/read_snapshot.hpp"
#include "tripstream/query/week_series.hpp"
#include "tripstream/query/weekly_average_sql.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

int64_t value(const db::PgResult& r, int row, int col) {
    return std::stoll(PQgetvalue(r.get(), row, col));
}

std::vector<int16_t> region_ids(db::PgConnection& conn, const WeeklyAverageRequest& request) {
    const auto r = conn.exec(
        "SELECT region_id FROM tripstream.regions WHERE $1::text IS NULL OR name = $1::text",
        {request.region});
    std::vector<int16_t> ids;
    for (int i = 0; i < PQntuples(r.get()); ++i)
        ids.push_back(static_cast<int16_t>(value(r, i, 0)));
    if (ids.empty() && request.region) {
        throw RequestError({"region", "unknown region '" + request.region->substr(0, 80) + "'"});
    }
    return ids;
}

// The requested weeks; missing ends come from the first and last week with data for the
// regions (index lookups on the aggregate's primary key, one per region).
WeekSpan week_span(db::PgConnection& conn, const WeeklyAverageRequest& request,
                   const std::vector<int16_t>& regions) {
    return requested_weeks(request, [&]() -> std::optional<WeekSpan> {
        const auto r = conn.exec(
            "SELECT min(lo) - DATE '1970-01-01', max(hi) - DATE '1970-01-01'"
            " FROM unnest($1::smallint[]) AS g(id), LATERAL (SELECT min(week_start) AS lo,"
            " max(week_start) AS hi FROM tripstream.trip_cell_counts WHERE region_id = g.id) x",
            {db::int_array(regions)});
        if (PQgetisnull(r.get(), 0, 0)) return std::nullopt;
        return WeekSpan{value(r, 0, 0), value(r, 0, 1)};
    });
}

using WeekCounts = std::map<int64_t, int64_t>;

// Adds the aggregate's certain counts to `counts`; returns the boundary trips per week.
WeekCounts add_aggregate(db::PgConnection& conn, const CellQuery& q, WeekCounts& counts,
                         WeeklyAverageStats& stats) {
    const auto sql = aggregate_query(q);
    const auto r = conn.exec(sql.text, sql.params);
    WeekCounts boundary;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        const int64_t week = value(r, i, 0);
        counts[week] += value(r, i, 1);
        stats.aggregate_trips += value(r, i, 1);
        if (const int64_t b = value(r, i, 2); b > 0) {
            boundary[week] = b;
            stats.boundary_trips += b;
        }
    }
    return boundary;
}

// Adds the boundary trips that lie in the box, read from the raw rows of only the weeks
// that have boundary trips at all.
void add_boundary(db::PgConnection& conn, const CellQuery& q, const WeekCounts& boundary,
                  WeekCounts& counts, WeeklyAverageStats& stats) {
    if (boundary.empty()) return;
    stats.raw_scan = true;
    const auto sql = boundary_query(q, {boundary.begin()->first, boundary.rbegin()->first});
    const auto r = conn.exec(sql.text, sql.params);
    for (int i = 0; i < PQntuples(r.get()); ++i)
        counts[value(r, i, 0)] += value(r, i, 1);
}

// The per-week counts of the span, dense.
std::vector<int64_t> dense(WeekSpan span, const WeekCounts& counts) {
    std::vector<int64_t> out;
    for (int64_t week = span.first_week; week <= span.last_week; week += 7) {
        const auto it = counts.find(week);
        out.push_back(it == counts.end() ? 0 : it->second);
    }
    return out;
}

}  // namespace

WeeklyAverageResult weekly_average(db::PgConnection& conn, const WeeklyAverageRequest& request) {
    WeeklyAverageResult result;
    result.region = request.region;
    result.bbox = request.bbox;
    result.match = request.match;

    db::ReadSnapshot snapshot(conn);
    CellQuery q;
    q.region_ids = region_ids(conn, request);
    q.weeks = week_span(conn, request, q.region_ids);
    q.match = request.match;
    q.box = request.bbox;
    q.cover = request.bbox ? cover_box(*request.bbox) : cover_world();
    WeekCounts counts;
    if (!q.region_ids.empty() && q.weeks.first_week <= q.weeks.last_week) {
        const auto boundary = add_aggregate(conn, q, counts, result.stats);
        if (q.box) add_boundary(conn, q, boundary, counts, result.stats);
    }
    fill_series(result, q.weeks, dense(q.weeks, counts));
    return result;
}

}  // namespace tripstream::query
