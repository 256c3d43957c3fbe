#include "tripstream/query/region_trips.hpp"

#include <algorithm>

namespace tripstream::query {

std::shared_ptr<const RegionTrips> RegionTrips::of(std::vector<IndexedTrip> trips) {
    auto region = std::make_shared<RegionTrips>();
    if (trips.size() < kDeltaLimit) {
        region->add_to_delta(trips);
        return region;
    }
    for (const IndexedTrip& t : trips) {
        region->first_week_ = std::min(region->first_week_, t.week);
        region->last_week_ = std::max(region->last_week_, t.week);
    }
    region->size_ = trips.size();
    region->segments_.push_back(std::make_shared<const TripKdTree>(trips));
    return region;
}

std::shared_ptr<const RegionTrips> RegionTrips::with(std::span<const IndexedTrip> trips) const {
    auto region = std::make_shared<RegionTrips>(*this);
    region->add_to_delta(trips);
    region->compact();
    return region;
}

void RegionTrips::add_to_delta(std::span<const IndexedTrip> trips) {
    delta_.insert(delta_.end(), trips.begin(), trips.end());
    for (const IndexedTrip& t : trips) {
        first_week_ = std::min(first_week_, t.week);
        last_week_ = std::max(last_week_, t.week);
    }
    size_ += trips.size();
}

void RegionTrips::compact() {
    if (delta_.size() < kDeltaLimit) return;
    segments_.push_back(std::make_shared<const TripKdTree>(delta_));
    delta_ = {};
    while (segments_.size() >= 2 &&
           segments_[segments_.size() - 2]->size() <= 2 * segments_.back()->size()) {
        std::vector<IndexedTrip> merged;
        merged.reserve(segments_[segments_.size() - 2]->size() + segments_.back()->size());
        segments_[segments_.size() - 2]->append_to(merged, 0);
        segments_.back()->append_to(merged, 0);
        segments_.pop_back();
        segments_.back() = std::make_shared<const TripKdTree>(merged);
    }
}

void RegionTrips::count(const TreeQuery& q, std::span<int64_t> counts,
                        TreeCountStats& stats) const {
    for (const auto& segment : segments_)
        segment->count(q, counts, stats);
    stats.checked_trips += static_cast<int64_t>(delta_.size());
    for (const IndexedTrip& t : delta_) {
        if (t.week < q.first_week || t.week > q.last_week) continue;
        if (q.box != nullptr &&
            !trip_matches(q.box->box(), q.box->match(), t.origin, t.destination)) {
            continue;
        }
        ++counts[static_cast<size_t>((t.week - q.first_week) / 7)];
    }
}

size_t RegionTrips::memory_bytes() const {
    size_t bytes = sizeof(*this) + delta_.capacity() * sizeof(IndexedTrip) +
                   segments_.capacity() * sizeof(segments_[0]);
    for (const auto& segment : segments_)
        bytes += segment->memory_bytes();
    return bytes;
}

}  // namespace tripstream::query
