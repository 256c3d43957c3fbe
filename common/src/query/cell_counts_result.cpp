#include "tripstream/query/cell_counts_result.hpp"

#include <algorithm>
#include <limits>

#include "tripstream/query/coarse_grid.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {

CellCountsResult empty_cell_counts(const CellCountsRequest& request) {
    CellCountsResult result;
    result.request = request;
    if (request.from_days) result.from_days = iso_week_start(*request.from_days);
    if (request.to_days) result.to_days = iso_week_start(*request.to_days) + 6;
    return result;
}

WeekBounds week_bounds(const CellCountsResult& result) {
    return {result.from_days.value_or(std::numeric_limits<int64_t>::min()),
            result.to_days ? *result.to_days - 6 : std::numeric_limits<int64_t>::max()};
}

void finish_cells(CellCountsResult& result) {
    auto& cells = result.cells;
    std::erase_if(cells, [](const CellBlock& b) { return b.trips == 0; });
    std::sort(cells.begin(), cells.end(), [](const CellBlock& a, const CellBlock& b) {
        if (a.trips != b.trips) return a.trips > b.trips;
        return a.row != b.row ? a.row < b.row : a.column < b.column;
    });
    result.total_trips = 0;
    for (const CellBlock& b : cells)
        result.total_trips += b.trips;
    result.max_count = cells.empty() ? 0 : cells.front().trips;
}

void CellExtent::add(int32_t cell) {
    const int32_t column = cell % kGridColumns;
    const int32_t row = cell / kGridColumns;
    add_columns_rows(column, column, row, row);
}

void CellExtent::add_columns_rows(int32_t min_column, int32_t max_column, int32_t min_row,
                                  int32_t max_row) {
    min_column_ = std::min(min_column_, min_column);
    max_column_ = std::max(max_column_, max_column);
    min_row_ = std::min(min_row_, min_row);
    max_row_ = std::max(max_row_, max_row);
}

std::optional<GeoBox> CellExtent::box() const {
    if (max_column_ < 0) return std::nullopt;
    return GeoBox{grid_line_lon(min_column_), grid_line_lat(min_row_),
                  grid_line_lon(max_column_ + 1), grid_line_lat(max_row_ + 1)};
}

void sort_regions(std::vector<RegionSummary>& regions) {
    std::sort(regions.begin(), regions.end(),
              [](const RegionSummary& a, const RegionSummary& b) { return a.name < b.name; });
}

RequestError unknown_region(const std::string& name) {
    return RequestError({"region", "unknown region '" + name.substr(0, 80) + "'"});
}

}  // namespace tripstream::query
