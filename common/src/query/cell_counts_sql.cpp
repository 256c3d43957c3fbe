#include "tripstream/query/cell_counts_sql.hpp"

#include <string>

#include "tripstream/db/read_snapshot.hpp"
#include "tripstream/query/coarse_grid.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

int64_t value(const db::PgResult& r, int row, int col) {
    return std::stoll(PQgetvalue(r.get(), row, col));
}

std::string date_or(const std::optional<int64_t>& days, const char* unbounded) {
    return days ? format_date(*days) : std::string(unbounded);
}

}  // namespace

CellCountsResult cell_counts(db::PgConnection& conn, const CellCountsRequest& request) {
    CellCountsResult result = empty_cell_counts(request);
    const CoarseGrid grid(request.step);
    const CoarseWindow window = grid.window(request.bbox);
    db::ReadSnapshot snapshot(conn);
    std::optional<std::string> region_id;
    if (request.region) {
        region_id = db::first_value(conn.exec(
            "SELECT region_id FROM tripstream.regions WHERE name = $1::text", {request.region}));
        if (region_id->empty()) throw unknown_region(*request.region);
    }
    // The column is one of two names, never client text; the rest are bound parameters.
    const std::string cell = request.end == CellEnd::origin ? "o_cell" : "d_cell";
    const auto blocks = conn.exec(
        "SELECT " + cell + " / 7200 / $1::int AS block_row, " + cell +
            " % 7200 / $1::int AS block_column, sum(trips)::bigint"
            " FROM tripstream.trip_cell_counts"
            " WHERE ($2::smallint IS NULL OR region_id = $2::smallint)"
            " AND week_start BETWEEN $3::date AND $4::date"
            " AND " +
            cell + " >= $5::int AND " + cell + " < $6::int AND " + cell +
            " % 7200 / $1::int BETWEEN $7::int AND $8::int"
            " GROUP BY 1, 2",
        {std::to_string(request.step), region_id, date_or(result.from_days, "-infinity"),
         date_or(result.to_days, "infinity"),
         std::to_string(window.first_row * request.step * kGridColumns),
         std::to_string(std::min((window.last_row + 1) * request.step, kGridRows) * kGridColumns),
         std::to_string(window.first_column), std::to_string(window.last_column)});
    for (int i = 0; i < PQntuples(blocks.get()); ++i) {
        result.cells.push_back({static_cast<int32_t>(value(blocks, i, 1)),
                                static_cast<int32_t>(value(blocks, i, 0)), value(blocks, i, 2)});
    }
    finish_cells(result);
    return result;
}

std::vector<RegionSummary> region_summaries(db::PgConnection& conn) {
    const auto r = conn.exec(
        "SELECT r.name, s.trips, s.min_column, s.max_column, s.min_row, s.max_row"
        " FROM tripstream.regions r LEFT JOIN ("
        "  SELECT region_id, sum(trips)::bigint AS trips,"
        "   least(min(o_cell % 7200), min(d_cell % 7200)) AS min_column,"
        "   greatest(max(o_cell % 7200), max(d_cell % 7200)) AS max_column,"
        "   least(min(o_cell / 7200), min(d_cell / 7200)) AS min_row,"
        "   greatest(max(o_cell / 7200), max(d_cell / 7200)) AS max_row"
        "  FROM tripstream.trip_cell_counts GROUP BY region_id) s USING (region_id)");
    std::vector<RegionSummary> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        RegionSummary region{PQgetvalue(r.get(), i, 0), 0, std::nullopt};
        if (!PQgetisnull(r.get(), i, 1)) {
            region.trips = value(r, i, 1);
            CellExtent extent;
            extent.add_columns_rows(
                static_cast<int32_t>(value(r, i, 2)), static_cast<int32_t>(value(r, i, 3)),
                static_cast<int32_t>(value(r, i, 4)), static_cast<int32_t>(value(r, i, 5)));
            region.bbox = extent.box();
        }
        out.push_back(std::move(region));
    }
    sort_regions(out);
    return out;
}

}  // namespace tripstream::query
