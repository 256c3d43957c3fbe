// One region's trips in the in-memory weekly-average index: immutable k-d tree segments of
// geometrically decreasing size (an LSM-style log of trees, so a region that grows batch by
// batch keeps O(log n) segments and every trip is rebuilt O(log n) times) plus a small
// unsorted delta of the latest trips, scanned trip by trip at query time. A RegionTrips is
// never changed once published: adding trips makes a new one that shares the old segments.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "tripstream/io/binary_file.hpp"
#include "tripstream/query/trip_kd_tree.hpp"

namespace tripstream::query {

class RegionTrips {
  public:
    // The delta becomes a tree segment when it reaches this many trips.
    static constexpr size_t kDeltaLimit = 4096;

    RegionTrips() = default;

    // A region holding `trips` (one tree, or only a delta when they are few); its trees keep
    // their exact coordinates as `storage` says.
    static std::shared_ptr<const RegionTrips> of(std::vector<IndexedTrip> trips,
                                                 const IndexStorage& storage = {});

    // This region plus `trips`: the delta grows; a full delta becomes a segment, and the two
    // newest segments merge while the older is at most twice the newer (trees are built here,
    // on the caller's thread, never on the query path).
    std::shared_ptr<const RegionTrips> with(std::span<const IndexedTrip> trips) const;

    // Adds the matching trips of every week of q's range to counts[(w - q.first_week) / 7].
    void count(const TreeQuery& q, std::span<int64_t> counts, TreeCountStats& stats) const;

    size_t size() const { return size_; }
    size_t segments() const { return segments_.size(); }
    size_t delta_size() const { return delta_.size(); }
    bool empty() const { return size_ == 0; }
    // Mondays of the first and last week with trips; meaningless when empty().
    int32_t first_week() const { return first_week_; }
    int32_t last_week() const { return last_week_; }
    size_t memory_bytes() const;
    size_t file_bytes() const;

    // Saving and loading (trip_index_file.hpp); a loaded region keeps new trees as `storage`
    // says. load() throws IoError for a file that does not hold a region.
    void save(BinaryWriter& out) const;
    static std::shared_ptr<const RegionTrips> load(BinaryReader& in, const IndexStorage& storage);

  private:
    void add_to_delta(std::span<const IndexedTrip> trips);
    void compact();

    std::vector<std::shared_ptr<const TripKdTree>> segments_;  // oldest (largest) first
    std::vector<IndexedTrip> delta_;
    IndexStorage storage_;
    size_t size_ = 0;
    int32_t first_week_ = std::numeric_limits<int32_t>::max();
    int32_t last_week_ = std::numeric_limits<int32_t>::min();
};

// Whether a trip matches the box for `match`: the ends compared as PostgreSQL compares
// ST_X/ST_Y with the box (BETWEEN, edges included), on the same doubles.
inline bool trip_matches(const GeoBox& b, Match match, const GeoPoint& o, const GeoPoint& d) {
    const auto in = [&b](const GeoPoint& p) {
        return b.min_lon <= p.lon && p.lon <= b.max_lon && b.min_lat <= p.lat && p.lat <= b.max_lat;
    };
    switch (match) {
        case Match::origin:
            return in(o);
        case Match::destination:
            return in(d);
        case Match::both:
            return in(o) && in(d);
        case Match::any:
            break;
    }
    return in(o) || in(d);
}

}  // namespace tripstream::query
