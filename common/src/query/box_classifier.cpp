#include "tripstream/query/box_classifier.hpp"

#include <cmath>
#include <limits>

namespace tripstream::query {
namespace {

// Bit masks of lanes, folded to one bit per (end, lower/upper) pair: bit 0 origin lower
// bounds, 1 destination lower, 2 origin upper, 3 destination upper.
constexpr uint32_t kOrigin = 0b0101;
constexpr uint32_t kDestination = 0b1010;

// Lane pairs: (lo ox, lo oy) -> origin lower, (lo dx, lo dy) -> destination lower,
// (-hi ox, -hi oy) -> origin upper, (-hi dx, -hi dy) -> destination upper; so pair p maps
// to bit p of the kOrigin / kDestination masks above.
Coverage end_coverage(uint32_t out_pairs, uint32_t in_pairs, uint32_t end) {
    if (out_pairs & end) return Coverage::outside;
    if ((in_pairs & end) == end) return Coverage::inside;
    return Coverage::partial;
}

Coverage combine(Match match, Coverage o, Coverage d) {
    switch (match) {
        case Match::origin:
            return o;
        case Match::destination:
            return d;
        case Match::both:
            return o < d ? o : d;
        case Match::any:
            return o < d ? d : o;
    }
    return Coverage::partial;
}

}  // namespace

float float_down(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
    return f;
}

float float_up(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
    return f;
}

BoxClassifier::BoxClassifier(const GeoBox& box, Match match) : box_(box), match_(match) {
    // Inside on a lane: lo >= min (lo >= up(min)); -hi >= -max (hi <= down(max)).
    // Outside on a lane: lo > max (lo > down(max)); -hi > -min (hi < up(min)).
    const float min_lon = float_up(box.min_lon);
    const float min_lat = float_up(box.min_lat);
    const float max_lon = float_down(box.max_lon);
    const float max_lat = float_down(box.max_lat);
    inside_ = {min_lon, min_lat, min_lon, min_lat, -max_lon, -max_lat, -max_lon, -max_lat};
    outside_ = {max_lon, max_lat, max_lon, max_lat, -min_lon, -min_lat, -min_lon, -min_lat};
    for (uint32_t i = 0; i < table_.size(); ++i) {
        uint32_t out = 0;
        uint32_t in = 0;
        for (uint32_t pair = 0; pair < 4; ++pair) {
            out |= (i >> (2 * pair) & 1) << pair;
            in |= (i >> (2 * pair + 1) & 1) << pair;
        }
        table_[i] =
            combine(match, end_coverage(out, in, kOrigin), end_coverage(out, in, kDestination));
    }
}

}  // namespace tripstream::query
