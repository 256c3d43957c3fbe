// Builds the in-memory weekly-average index (a TripIndexSnapshot) straight from trips, with no
// database: for programs that use the library on trips of their own (examples/). Its answers
// equal the API's for the same trips stored by a consumer: the same weeks (trip_week, as
// PostgreSQL's date_trunc) and the same coordinates (the parsed doubles, which travel through
// Kafka and PostGIS unchanged).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tripstream/query/exact_ends.hpp"
#include "tripstream/query/indexed_trip.hpp"
#include "tripstream/query/trip_index_snapshot.hpp"
#include "tripstream/trip.hpp"

namespace tripstream::query {

class TripIndexBuilder {
  public:
    explicit TripIndexBuilder(IndexStorage storage = {}) : storage_(std::move(storage)) {}

    // Regions are numbered 1, 2, ... in order of first appearance. Throws std::length_error
    // beyond the index's int16_t region ids, std::out_of_range for a time trip_week refuses.
    void add(const Trip& trip);
    size_t size() const { return size_; }

    // One tree per region (RegionTrips::of); the builder is left empty.
    TripIndexSnapshot finish();

  private:
    IndexStorage storage_;
    std::map<std::string, int16_t> region_ids_;
    std::map<int16_t, std::vector<IndexedTrip>> trips_;
    size_t size_ = 0;
};

}  // namespace tripstream::query
