#include "tripstream/query/cell_counts_loader.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "tripstream/db/read_snapshot.hpp"
#include "tripstream/log.hpp"
#include "tripstream/query/trip_index_loader.hpp"

namespace tripstream::query {
namespace {

template <typename Int>
Int number(const db::PgResult& r, int row, int col) {
    const char* text = PQgetvalue(r.get(), row, col);
    const char* end = text + PQgetlength(r.get(), row, col);
    Int v = 0;
    const auto [ptr, ec] = std::from_chars(text, end, v);
    if (ec != std::errc{} || ptr != end) {
        throw std::runtime_error(
            cat("trip_cell_counts: cannot read '", text, "' in column ", PQfname(r.get(), col)));
    }
    return v;
}

// Columns region_id, week (days since the epoch), o_cell, d_cell, trips.
CellCountRow row_at(const db::PgResult& r, int row) {
    return {number<int16_t>(r, row, 0), number<int32_t>(r, row, 1), number<int32_t>(r, row, 2),
            number<int32_t>(r, row, 3), number<int64_t>(r, row, 4)};
}

}  // namespace

CellCountsLoad load_cell_counts(db::PgConnection& conn) {
    db::ReadSnapshot snapshot(conn);
    CellCountsLoad out;
    out.region_ids = read_regions(conn);
    const auto r = conn.exec(
        "SELECT region_id, week_start - DATE '1970-01-01', o_cell, d_cell, trips"
        " FROM tripstream.trip_cell_counts");
    out.rows.reserve(static_cast<size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i)
        out.rows.push_back(row_at(r, i));
    return out;
}

SliceRows read_batch_slices(db::PgConnection& conn, const std::vector<int64_t>& batch_ids) {
    SliceRows out;
    if (batch_ids.empty()) return out;
    const auto [lo, hi] = std::minmax_element(batch_ids.begin(), batch_ids.end());
    // BETWEEN lets the BRIN index on batch_id narrow the scan (it cannot use = ANY alone).
    const auto r = conn.exec(
        "WITH touched AS (SELECT DISTINCT region_id,"
        "  date_trunc('week', trip_time AT TIME ZONE 'UTC')::date AS week_start"
        "  FROM tripstream.trips"
        "  WHERE batch_id BETWEEN $1::bigint AND $2::bigint AND batch_id = ANY($3::bigint[]))"
        " SELECT t.region_id, t.week_start - DATE '1970-01-01', c.o_cell, c.d_cell, c.trips"
        " FROM touched t LEFT JOIN tripstream.trip_cell_counts c"
        "  ON c.region_id = t.region_id AND c.week_start = t.week_start",
        {std::to_string(*lo), std::to_string(*hi), db::int_array(batch_ids)});
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        const CellSlice slice{number<int16_t>(r, i, 0), number<int32_t>(r, i, 1)};
        if (out.touched.empty() || out.touched.back() != slice) out.touched.push_back(slice);
        if (!PQgetisnull(r.get(), i, 2)) out.rows.push_back(row_at(r, i));
    }
    // A slice's rows need not arrive together: keep each slice once.
    std::sort(out.touched.begin(), out.touched.end());
    out.touched.erase(std::unique(out.touched.begin(), out.touched.end()), out.touched.end());
    return out;
}

}  // namespace tripstream::query
