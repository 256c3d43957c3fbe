// The answers of GET /v1/trips/cells and GET /v1/regions, the same whichever engine computed
// them: the in-memory aggregate (cell_counts.hpp) or SQL over trip_cell_counts
// (cell_counts_sql.hpp). Both collect the blocks' counts, then finish_cells() orders them and
// sums them, so that the two engines answer byte for byte alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tripstream/query/cell_counts_request.hpp"
#include "tripstream/query/weekly_average.hpp"

namespace tripstream::query {

// One block of the coarse grid (coarse_grid.hpp) with its trips.
struct CellBlock {
    int32_t column = 0;
    int32_t row = 0;
    int64_t trips = 0;

    bool operator==(const CellBlock&) const = default;
};

struct CellCountsResult {
    CellCountsRequest request;
    std::optional<int64_t> from_days;  // Monday of the first week; nullopt: from the first data
    std::optional<int64_t> to_days;    // Sunday of the last week; nullopt: up to the last data
    int64_t total_trips = 0;           // the sum of the blocks' trips
    int64_t max_count = 0;             // the largest block's trips; 0 without blocks
    std::vector<CellBlock> cells;      // trips descending, then row and column ascending
};

// The result for `request` before counting: the request and its range widened to whole weeks.
CellCountsResult empty_cell_counts(const CellCountsRequest& request);

// The ISO-week Mondays (days since the epoch) the request covers, ends included.
struct WeekBounds {
    int64_t first_monday;
    int64_t last_monday;
};
WeekBounds week_bounds(const CellCountsResult& result);

// Orders the blocks (trips descending, then row, then column), drops empty ones and sums them.
void finish_cells(CellCountsResult& result);

// A region of GET /v1/regions: its trips and the extent of the cells its trips start and end in.
struct RegionSummary {
    std::string name;
    int64_t trips = 0;
    std::optional<GeoBox> bbox;  // nullopt: no trips
};

// The extent of a region's cells, grown cell by cell.
class CellExtent {
  public:
    void add(int32_t cell);
    void add_columns_rows(int32_t min_column, int32_t max_column, int32_t min_row, int32_t max_row);
    // West, south, east and north edges of the cells seen; nullopt when none was.
    std::optional<GeoBox> box() const;

  private:
    int32_t min_column_ = INT32_MAX;
    int32_t max_column_ = -1;
    int32_t min_row_ = INT32_MAX;
    int32_t max_row_ = -1;
};

// Sorted by name (byte order, whatever the database's collation).
void sort_regions(std::vector<RegionSummary>& regions);

// The error both engines give for a region name that tripstream.regions does not have.
RequestError unknown_region(const std::string& name);

}  // namespace tripstream::query
