// One region's trips (of one index segment) in a static 4-d k-d tree over (origin lon,
// origin lat, destination lon, destination lat), answering per-ISO-week counts of the trips
// that match a box exactly.
//
// Layout (docs/query.md, "In-memory index"): the trips in tree order as 16-bit leaf codes of
// their coordinates (leaf_codes.hpp) and a 2-byte week number, about 10 bytes per trip in
// memory; the exact doubles (the coordinates PostGIS holds) sit in ExactEnds, usually a
// file, read only for the trips whose codes cannot decide. The tree is implicit:
// a range of trips is halved at the median of its widest dimension down to one depth for
// every leaf (at most kLeafSize trips each); nodes are stored in depth-first order (a
// subtree is contiguous, so a walk reads memory mostly forwards) with one float bounding
// box each; nodes of at least kHistogramMinTrips trips also carry their trips per week. A
// query adds the histogram of every node wholly inside the box, skips nodes wholly
// outside, and compares only the trips of leaves that straddle an edge.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tripstream/query/box_classifier.hpp"
#include "tripstream/query/exact_ends.hpp"
#include "tripstream/query/indexed_trip.hpp"

namespace tripstream::query {

// Which trips of a tree a count covers: a box (nullptr: every trip) and inclusive ISO
// weeks, given as their Mondays.
struct TreeQuery {
    const BoxClassifier* box = nullptr;
    int32_t first_week = 0;
    int32_t last_week = -1;
};

struct TreeCountStats {
    int64_t whole_node_trips = 0;  // counted from nodes wholly inside the box
    int64_t checked_trips = 0;     // compared one by one in leaves on the box edge
    int64_t exact_trips = 0;       // of those, decided from their exact coordinates
};

class TripKdTree {
  public:
    static constexpr uint32_t kLeafSize = 64;
    static constexpr uint32_t kHistogramMinTrips = 256;

    // Builds the tree from one region's trips (at least one; region_id is not looked at),
    // keeping their exact coordinates as `storage` says.
    explicit TripKdTree(std::span<const IndexedTrip> trips, const IndexStorage& storage = {});

    size_t size() const { return size_; }
    int32_t first_week() const { return weeks_.front(); }
    int32_t last_week() const { return weeks_.back(); }

    // Adds the trips matching `q` of every week w of q's range to counts[(w - q.first_week)
    // / 7]; `counts` covers the whole range.
    void count(const TreeQuery& q, std::span<int64_t> counts, TreeCountStats& stats) const;

    // Appends the trips (in tree order) with `region_id`, e.g. to merge trees.
    void append_to(std::vector<IndexedTrip>& out, int16_t region_id) const;

    // Saving and loading (trip_index_file.hpp): the arrays as they are in memory, then the
    // exact coordinates as one block, which the loaded tree reads from the saved file in
    // place. load() checks every size and week number (IoError naming the file otherwise).
    void save(BinaryWriter& out) const;
    static std::shared_ptr<const TripKdTree> load(BinaryReader& in);

    // The process memory the tree holds, and the bytes of its coordinates file (if any).
    size_t memory_bytes() const;
    size_t file_bytes() const;

  private:
    TripKdTree() = default;
    struct Range;
    struct Node;
    struct Builder;
    // Counting adds to per_week[i] for the tree's week i (weeks_[i]).
    void count_inside(const Node& n, Range weeks, uint32_t* per_week) const;
    const uint32_t* histogram(const Node& n) const;
    uint64_t leaf_hits(const Node& leaf, const BoxClassifier& box, TreeCountStats& stats) const;
    bool exact_match(uint32_t trip, const BoxClassifier& box) const;
    void scan_weeks(Range r, uint32_t* per_week) const;
    // The nodes wholly inside the box (highest first) and the leaves on its edge.
    void collect(const BoxClassifier& box, std::vector<Node>& inside,
                 std::vector<Node>& leaves) const;
    void prefetch_leaf(const Node& n) const;
    void prefetch_inside(const Node& n, Range weeks) const;
    void walk(const BoxClassifier& box, Range weeks, uint32_t* per_week,
              TreeCountStats& stats) const;

    size_t size_ = 0;
    std::unique_ptr<const ExactEnds> ends_;  // exact coordinates, in tree order
    // Leaf codes of the coordinates, padded so that a leaf reads whole SIMD vectors.
    std::array<std::vector<uint16_t>, 4> code_;
    std::vector<std::array<int8_t, 4>> leaf_shift_;  // per leaf (left to right): code scales
    std::vector<uint16_t> week_;                     // per trip: index into weeks_
    std::vector<int32_t> weeks_;                     // the distinct Mondays, ascending
    std::vector<NodeBox> nodes_;                     // depth-first order
    std::vector<uint32_t> histograms_;  // weeks_.size() counts per node, heap-numbered,
                                        // for the levels 0..hist_depth_
    int depth_ = 0;                     // of the leaves
    int hist_depth_ = -1;               // deepest level with histograms; -1: none
};

}  // namespace tripstream::query
