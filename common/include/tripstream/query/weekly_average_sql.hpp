// The two parameterised SQL statements behind weekly_average: per-week sums over the cell
// aggregate, and the per-week count of boundary trips from the raw rows. Kept apart from the
// orchestration so that the exactness argument (docs/query.md) maps onto a few predicates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/grid_cover.hpp"
#include "tripstream/query/weekly_average_request.hpp"

namespace tripstream::query {

struct SqlQuery {
    std::string text;
    std::vector<db::PgParam> params;
};

// Inclusive range of ISO weeks, as the days of their Mondays since the epoch.
struct WeekSpan {
    int64_t first_week = 0;
    int64_t last_week = -1;
};

struct CellQuery {
    std::vector<int16_t> region_ids;
    WeekSpan weeks;
    Match match = Match::both;
    std::optional<GeoBox> box;  // nullopt: the whole region
    GridCover cover;
};

// Rows (week_start days, trips in inside cells, trips in boundary cells) for the weeks that
// have any candidate trips.
SqlQuery aggregate_query(const CellQuery& q);

// Rows (week_start days, trips): trips in boundary cells that do match the box exactly.
SqlQuery boundary_query(const CellQuery& q, WeekSpan weeks);

}  // namespace tripstream::query
