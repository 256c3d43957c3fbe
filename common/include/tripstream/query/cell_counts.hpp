// The in-memory aggregate behind GET /v1/trips/cells and GET /v1/regions: per region and ISO
// week, the trips per origin cell and per destination cell of the 0.05-degree grid, i.e.
// tripstream.trip_cell_counts summed over the other end. A value is immutable once built: the
// follower (live_cell_counts.hpp) builds the next one with with_slices() and publishes it, so
// readers never wait. Slices (one region and week) are shared between values, so an update
// copies only the slices it replaces.
//
// Size: one 8-byte entry per region x week x cell with trips, for each end (measured in
// docs/query.md), independent of the number of trips once the cells are occupied.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tripstream/query/cell_counts_result.hpp"

namespace tripstream::query {

// A row of tripstream.trip_cell_counts.
struct CellCountRow {
    int16_t region_id = 0;
    int32_t week_days = 0;  // the Monday, days since the epoch
    int32_t o_cell = 0;
    int32_t d_cell = 0;
    int64_t trips = 0;
};

// A region and week: the unit of loading and replacing.
using CellSlice = std::pair<int16_t, int32_t>;  // region_id, week Monday (days)

class CellCounts {
  public:
    CellCounts() = default;
    // Every row of trip_cell_counts (in any order), with tripstream.regions (name -> id).
    CellCounts(std::map<std::string, int16_t> region_ids, std::span<const CellCountRow> rows);

    // A copy whose slices `touched` hold `rows` (all of those slices' rows, as re-read from
    // the database) instead of what they held; a touched slice without rows becomes empty.
    // `region_ids` replaces the region names (new regions appear with their first batch).
    CellCounts with_slices(std::map<std::string, int16_t> region_ids,
                           std::span<const CellSlice> touched,
                           std::span<const CellCountRow> rows) const;

    // The blocks of the request; throws RequestError for an unknown region.
    CellCountsResult cells(const CellCountsRequest& request) const;
    // Every region of tripstream.regions with its trips and cell extent, sorted by name.
    std::vector<RegionSummary> regions() const;

    int64_t trips() const;
    size_t slices() const { return slices_.size(); }
    size_t entries() const;  // region x week x cell entries, both ends
    size_t memory_bytes() const;
    const std::map<std::string, int16_t>& region_ids() const { return region_ids_; }

  private:
    // One cell's trips at one end; sorted by cell, so row-major.
    struct CellTrips {
        int32_t cell;
        int32_t trips;  // trip_cell_counts.trips is an integer; a slice's cell sums fit too
    };
    struct Slice {
        std::array<std::vector<CellTrips>, 2> ends;  // CellEnd::origin, CellEnd::destination
    };
    using Slices = std::map<CellSlice, std::shared_ptr<const Slice>>;

    static void build(Slices& into, std::span<const CellCountRow> rows);

    std::map<std::string, int16_t> region_ids_;
    Slices slices_;
};

}  // namespace tripstream::query
