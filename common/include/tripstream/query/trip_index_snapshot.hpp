// One immutable state of the in-memory weekly-average index: the region names and every
// region's trips (RegionTrips). Queries read a snapshot without locks; LiveTripIndex
// publishes a new one after each change, sharing the regions that did not change.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tripstream/query/region_trips.hpp"
#include "tripstream/query/weekly_average.hpp"

namespace tripstream::query {

struct TripIndexSnapshot {
    std::map<std::string, int16_t> region_ids;  // tripstream.regions: name -> region_id
    // Trips per region_id; a region without trips may be missing.
    std::map<int16_t, std::shared_ptr<const RegionTrips>> regions;

    // The answer query::weekly_average gives on the same rows (same week range rules, same
    // comparisons); stats: aggregate_trips = trips counted from whole tree nodes,
    // boundary_trips = trips compared one by one, raw_scan = false. Throws RequestError for
    // an unknown region or an over-long range.
    WeeklyAverageResult weekly_average(const WeeklyAverageRequest& request) const;

    size_t trips() const;
    size_t segments() const;
    size_t memory_bytes() const;  // in the process
    size_t file_bytes() const;    // of the trees' coordinate files (ExactEnds)
};

}  // namespace tripstream::query
