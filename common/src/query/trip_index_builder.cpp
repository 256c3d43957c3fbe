#include "tripstream/query/trip_index_builder.hpp"

#include <limits>
#include <stdexcept>

namespace tripstream::query {

void TripIndexBuilder::add(const Trip& trip) {
    const int32_t week = trip_week(trip.time_us);  // first: a refused trip leaves no trace
    auto found = region_ids_.find(trip.region);
    if (found == region_ids_.end()) {
        if (region_ids_.size() >= static_cast<size_t>(std::numeric_limits<int16_t>::max()))
            throw std::length_error("more regions than the index can number");
        const auto id = static_cast<int16_t>(region_ids_.size() + 1);
        found = region_ids_.emplace(trip.region, id).first;
    }
    trips_[found->second].push_back({found->second, week, trip.origin, trip.destination});
    ++size_;
}

TripIndexSnapshot TripIndexBuilder::finish() {
    TripIndexSnapshot snapshot;
    for (auto& [id, trips] : trips_)
        snapshot.regions[id] = RegionTrips::of(std::move(trips), storage_);
    snapshot.region_ids = std::move(region_ids_);
    region_ids_.clear();
    trips_.clear();
    size_ = 0;
    return snapshot;
}

}  // namespace tripstream::query
