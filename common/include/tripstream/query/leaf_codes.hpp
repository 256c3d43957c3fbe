// Compact, exact-by-construction filtering of a k-d tree leaf's trips against a box.
//
// Every coordinate of a trip in a leaf also gets a 16-bit code: its position within the
// leaf's bounds, code(x) = 1 + floor((x - lo) * 2^shift), with a power-of-two scale so that
// the leaf's extent spans at least 2^15 steps. The code is monotone in x (IEEE subtraction
// and scaling by a power of two never reorder values), so against a box edge e coded the
// same way, code(x) < code(e) proves x < e and code(x) > code(e) proves x > e; only equal
// codes need the trip's exact double. A leaf check thus reads 2 bytes instead of 8 per
// coordinate and almost never touches the doubles: the check is bound by memory traffic.
#pragma once

#include <array>
#include <cstdint>

#include "tripstream/geo/grid_cell.hpp"
#include "tripstream/query/box_classifier.hpp"

namespace tripstream::query {

// Codes 1..kMaxCode are trip positions; 0 and 0xFFFF are edges below and above the leaf.
inline constexpr uint32_t kMaxCode = 0xFFFE;

// The scale of one leaf dimension with bounds [lo, hi].
struct LeafAxis {
    double lo = 0;
    double scale = 0;  // 2^shift

    static int8_t shift_for(double lo, double hi);
    static LeafAxis of(double lo, int8_t shift);
};

uint16_t trip_code(double x, const LeafAxis& axis);
// The code of a box edge, 0 below lo and 0xFFFF above hi.
uint16_t edge_code(double e, const LeafAxis& axis, double hi);

// A leaf's codes, per dimension (origin lon, origin lat, destination lon, destination lat);
// readable in whole groups of 16 past the leaf's end.
struct LeafCodes {
    std::array<const uint16_t*, 4> code;
    uint32_t n;  // trips, at most 64
};

// The edge codes of the box for one leaf: min and max per dimension.
struct LeafEdges {
    std::array<uint16_t, 4> min;
    std::array<uint16_t, 4> max;
};

// Bit j set: trip j certainly matches (in) or must be decided from its doubles (ambiguous).
struct LeafMasks {
    uint64_t in = 0;
    uint64_t ambiguous = 0;
};

LeafMasks classify_leaf(const LeafCodes& codes, const LeafEdges& edges, Match match);

}  // namespace tripstream::query
