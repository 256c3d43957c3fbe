#include "tripstream/query/weekly_average_sql.hpp"

#include <charconv>

#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

// Collects parameter values and hands out their "$n::type" placeholders.
class Params {
  public:
    std::string add(std::string value, const char* type) {
        values_.emplace_back(std::move(value));
        return "$" + std::to_string(values_.size()) + "::" + type;
    }
    std::string add(double v) {
        char buf[32];
        const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // round-trips exactly
        return add(std::string(buf, end), "float8");
    }
    std::string add(int64_t v) { return add(std::to_string(v), "int"); }
    std::vector<db::PgParam> take() { return std::move(values_); }

  private:
    std::vector<db::PgParam> values_;
};

// Column and row of a stored cell number (cell = row * 7200 + column).
struct CellAxes {
    std::string column;
    std::string row;
};

CellAxes stored_cell(const std::string& cell) {
    return {"(" + cell + " % 7200)", "(" + cell + " / 7200)"};
}

// grid_cell() of a point, term for term: floor((x + 180) / 0.05) clamped to the grid. Both
// sides are IEEE doubles with the same operations, so SQL and C++ agree bit for bit, which
// keeps raw trips and aggregate rows in the same cells (tests/integration checks it).
std::string grid_index(const std::string& coordinate, const char* offset, int32_t last) {
    return "least(greatest(floor((" + coordinate + " + " + offset +
           "::float8) / '0.05'::float8), 0), " + std::to_string(last) + ")";
}

CellAxes point_cell(const std::string& point) {
    return {grid_index("ST_X(" + point + ")", "180", kGridColumns - 1),
            grid_index("ST_Y(" + point + ")", "90", kGridRows - 1)};
}

std::string in_range(const std::string& expr, const std::string& lo, const std::string& hi) {
    return expr + " BETWEEN " + lo + " AND " + hi;
}

std::string in_cells(const CellAxes& axes, const CellRange& columns, const CellRange& rows,
                     Params& p) {
    return "(" +
           in_range(axes.column, p.add(int64_t{columns.first}), p.add(int64_t{columns.last})) +
           " AND " + in_range(axes.row, p.add(int64_t{rows.first}), p.add(int64_t{rows.last})) +
           ")";
}

// The && bounding-box test reads the point's float box straight from the serialized
// geometry (rounded outwards, so it never rejects a point in the box) and spares most rows
// the costlier ST_X/ST_Y calls; the exact comparison follows.
std::string in_box(const std::string& point, const GeoBox& box, Params& p) {
    const auto min_lon = p.add(box.min_lon);
    const auto min_lat = p.add(box.min_lat);
    const auto max_lon = p.add(box.max_lon);
    const auto max_lat = p.add(box.max_lat);
    return "(" + point + " && ST_MakeEnvelope(" + min_lon + ", " + min_lat + ", " + max_lon + ", " +
           max_lat + ", 4326) AND " + in_range("ST_X(" + point + ")", min_lon, max_lon) + " AND " +
           in_range("ST_Y(" + point + ")", min_lat, max_lat) + ")";
}

enum class End { origin, destination };

// The trip-level predicate for `match` from `end_predicate(End)`. Only the ends the match
// looks at are built (in a fixed order), so every parameter added is referenced.
template <typename EndPredicate>
std::string for_match(Match match, EndPredicate end_predicate) {
    switch (match) {
        case Match::origin:
            return end_predicate(End::origin);
        case Match::destination:
            return end_predicate(End::destination);
        case Match::both:
        case Match::any: {
            const auto o = end_predicate(End::origin);
            const auto d = end_predicate(End::destination);
            return "(" + o + (match == Match::both ? " AND " : " OR ") + d + ")";
        }
    }
    return "false";
}

std::string column(End end, const char* origin, const char* destination) {
    return end == End::origin ? origin : destination;
}

std::string date_param(int64_t days, Params& p) {
    return p.add(format_date(days), "date");
}

std::string instant_param(int64_t days, Params& p) {
    return p.add(format_date(days) + " 00:00:00+00", "timestamptz");
}

std::string regions_param(const CellQuery& q, Params& p) {
    return p.add(db::int_array(q.region_ids), "smallint[]");
}

}  // namespace

SqlQuery aggregate_query(const CellQuery& q) {
    Params p;
    const auto& c = q.cover;
    const auto inside = for_match(q.match, [&](End end) {
        return in_cells(stored_cell(column(end, "o_cell", "d_cell")), c.inside_columns,
                        c.inside_rows, p);
    });
    const auto candidate = for_match(q.match, [&](End end) {
        return in_cells(stored_cell(column(end, "o_cell", "d_cell")), c.candidate_columns,
                        c.candidate_rows, p);
    });
    std::string sql =
        "SELECT week_start - DATE '1970-01-01',"
        " coalesce(sum(trips) FILTER (WHERE " +
        inside +
        "), 0),"
        " coalesce(sum(trips) FILTER (WHERE NOT " +
        inside +
        "), 0)"
        " FROM tripstream.trip_cell_counts"
        " WHERE region_id = ANY (" +
        regions_param(q, p) +
        ")"
        " AND week_start BETWEEN " +
        date_param(q.weeks.first_week, p) + " AND " + date_param(q.weeks.last_week, p) + " AND " +
        candidate + " GROUP BY week_start";
    return {std::move(sql), p.take()};
}

SqlQuery boundary_query(const CellQuery& q, WeekSpan weeks) {
    Params p;
    const auto& c = q.cover;
    const auto& box = *q.box;
    const auto exact = for_match(
        q.match, [&](End end) { return in_box(column(end, "origin", "destination"), box, p); });
    const auto inside = for_match(q.match, [&](End end) {
        return in_cells(point_cell(column(end, "origin", "destination")), c.inside_columns,
                        c.inside_rows, p);
    });
    // Literal time bounds (as parameters of a one-shot statement) let the planner prune month
    // partitions and use each partition's BRIN index on trip_time.
    std::string sql =
        "SELECT date_trunc('week', trip_time AT TIME ZONE 'UTC')::date - DATE '1970-01-01',"
        " count(*)"
        " FROM tripstream.trips"
        " WHERE trip_time >= " +
        instant_param(weeks.first_week, p) + " AND trip_time < " +
        instant_param(weeks.last_week + 7, p) + " AND region_id = ANY (" + regions_param(q, p) +
        ")"
        " AND " +
        exact + " AND NOT " + inside + " GROUP BY 1";
    return {std::move(sql), p.take()};
}

}  // namespace tripstream::query
