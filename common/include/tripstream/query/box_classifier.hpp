// How a weekly-average box relates to a k-d tree node and to a single trip.
//
// Nodes carry their bounds as floats (half the memory of doubles), rounded outwards, so a
// node's float box always contains its trips. Comparing a float f with a double edge e is
// exact without widening f: f >= e exactly when f >= up(e), the smallest float not below e
// (and f <= e exactly when f <= down(e)), so precomputed float edges decide "inside" and
// "outside" with no rounding doubt. The upper bounds are stored negated, so that all eight
// bounds of a node are compared in the same direction (two SIMD comparisons). Trips are
// compared as doubles, exactly as PostgreSQL compares ST_X/ST_Y with the box (edges
// included).
#pragma once

#include <array>
#include <cstdint>

#include "tripstream/geo/grid_cell.hpp"
#include "tripstream/query/weekly_average_request.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tripstream::query {

// Bounds of a node over (origin lon, origin lat, destination lon, destination lat):
// lo[k] <= every trip's coordinate k <= -neg_hi[k].
struct NodeBox {
    std::array<float, 4> lo;
    std::array<float, 4> neg_hi;
};

enum class Coverage : uint8_t { outside = 0, partial = 1, inside = 2 };

// The largest float <= v and the smallest float >= v.
float float_down(double v);
float float_up(double v);

class BoxClassifier {
  public:
    BoxClassifier(const GeoBox& box, Match match);

    // Whether every, none or some of the trips within `node` can match. Inline: a query
    // classifies tens of thousands of nodes.
    Coverage classify(const NodeBox& node) const {
        uint32_t out_lanes = 0;
        uint32_t in_lanes = 0;
#if defined(__SSE2__)
        const __m128 lo = _mm_loadu_ps(node.lo.data());
        const __m128 hi = _mm_loadu_ps(node.neg_hi.data());
        out_lanes = static_cast<uint32_t>(
            _mm_movemask_ps(_mm_cmpgt_ps(lo, _mm_loadu_ps(outside_.data()))) |
            _mm_movemask_ps(_mm_cmpgt_ps(hi, _mm_loadu_ps(outside_.data() + 4))) << 4);
        in_lanes = static_cast<uint32_t>(
            _mm_movemask_ps(_mm_cmpge_ps(lo, _mm_loadu_ps(inside_.data()))) |
            _mm_movemask_ps(_mm_cmpge_ps(hi, _mm_loadu_ps(inside_.data() + 4))) << 4);
#else
        for (uint32_t k = 0; k < 4; ++k) {
            out_lanes |= static_cast<uint32_t>(node.lo[k] > outside_[k]) << k;
            out_lanes |= static_cast<uint32_t>(node.neg_hi[k] > outside_[k + 4]) << (k + 4);
            in_lanes |= static_cast<uint32_t>(node.lo[k] >= inside_[k]) << k;
            in_lanes |= static_cast<uint32_t>(node.neg_hi[k] >= inside_[k + 4]) << (k + 4);
        }
#endif
        return table_[table_index(out_lanes, in_lanes)];
    }

    const GeoBox& box() const {
        return box_;
    }
    Match match() const {
        return match_;
    }

  private:
    // Lanes 0..7 (lo ox, lo oy, lo dx, lo dy, -hi ox, ...) fold to one bit per lane pair
    // (origin lower, destination lower, origin upper, destination upper bounds): "either
    // lane" for the outside test, "both lanes" for the inside test. The table index
    // interleaves them: bit 2p is pair p outside, bit 2p + 1 pair p inside.
    static uint32_t table_index(uint32_t out_lanes, uint32_t in_lanes) {
        const uint32_t out = (out_lanes | out_lanes >> 1) & 0x55;
        const uint32_t in = (in_lanes & in_lanes >> 1) & 0x55;
        return out | in << 1;
    }

    GeoBox box_;
    Match match_;
    // Per bound lane (lo: lon, lat, lon, lat; then the negated upper bounds): a node is
    // inside on a lane when its bound >= inside_[lane], outside when > outside_[lane].
    std::array<float, 8> inside_;
    std::array<float, 8> outside_;
    // Coverage by table_index.
    std::array<Coverage, 256> table_;
};

}  // namespace tripstream::query
