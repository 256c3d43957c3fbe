#include "tripstream/query/region_trips.hpp"

#include <algorithm>

namespace tripstream::query {

std::shared_ptr<const RegionTrips> RegionTrips::of(std::vector<IndexedTrip> trips,
                                                   const IndexStorage& storage) {
    auto region = std::make_shared<RegionTrips>();
    region->storage_ = storage;
    if (trips.size() < kDeltaLimit) {
        region->add_to_delta(trips);
        return region;
    }
    for (const IndexedTrip& t : trips) {
        region->first_week_ = std::min(region->first_week_, t.week);
        region->last_week_ = std::max(region->last_week_, t.week);
    }
    region->size_ = trips.size();
    region->segments_.push_back(std::make_shared<const TripKdTree>(trips, storage));
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
    segments_.push_back(std::make_shared<const TripKdTree>(delta_, storage_));
    delta_ = {};
    while (segments_.size() >= 2 &&
           segments_[segments_.size() - 2]->size() <= 2 * segments_.back()->size()) {
        std::vector<IndexedTrip> merged;
        merged.reserve(segments_[segments_.size() - 2]->size() + segments_.back()->size());
        segments_[segments_.size() - 2]->append_to(merged, 0);
        segments_.back()->append_to(merged, 0);
        segments_.pop_back();
        segments_.back() = std::make_shared<const TripKdTree>(merged, storage_);
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

void RegionTrips::save(BinaryWriter& out) const {
    out.value(static_cast<uint64_t>(size_));
    out.value(first_week_);
    out.value(last_week_);
    out.value(static_cast<uint64_t>(segments_.size()));
    for (const auto& segment : segments_)
        segment->save(out);
    out.array(delta_);
}

std::shared_ptr<const RegionTrips> RegionTrips::load(BinaryReader& in,
                                                     const IndexStorage& storage) {
    auto region = std::make_shared<RegionTrips>();
    region->storage_ = storage;
    const auto size = in.value<uint64_t>();
    region->first_week_ = in.value<int32_t>();
    region->last_week_ = in.value<int32_t>();
    const auto segments = in.value<uint64_t>();
    if (segments > 64) in.fail("too many tree segments");
    uint64_t trips = 0;
    for (uint64_t i = 0; i < segments; ++i) {
        region->segments_.push_back(TripKdTree::load(in));
        trips += region->segments_.back()->size();
    }
    region->delta_ = in.array<IndexedTrip>();
    trips += region->delta_.size();
    if (trips != size) in.fail("a region's trips do not add up");
    region->size_ = static_cast<size_t>(size);
    return region;
}

size_t RegionTrips::file_bytes() const {
    size_t bytes = 0;
    for (const auto& segment : segments_)
        bytes += segment->file_bytes();
    return bytes;
}

}  // namespace tripstream::query
