// Leaf codes (leaf_codes.hpp) are exact by construction: a trip's code below (above) an
// edge's code proves the trip below (above) the edge, and equal codes are left to the
// doubles. Checked for values on the codes' own boundaries (lo + m * 2^-shift), one ulp
// either side, and at random, over leaves of very different extents.
#include "tripstream/query/leaf_codes.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace tripstream::query {
namespace {

void expect_decisions_exact(double lo, double hi, std::mt19937_64& rng) {
    const int8_t shift = LeafAxis::shift_for(lo, hi);
    const LeafAxis axis = LeafAxis::of(lo, shift);
    std::uniform_real_distribution<double> inside(lo, hi);
    const auto value = [&]() {
        double v;
        switch (rng() % 4) {
            case 0:  // a code boundary
                v = lo + std::ldexp(static_cast<double>(rng() % 65536), -shift);
                break;
            case 1:
                v = std::nextafter(lo + std::ldexp(static_cast<double>(rng() % 65536), -shift),
                                   rng() % 2 ? 1e300 : -1e300);
                break;
            default:
                v = inside(rng);
        }
        return std::clamp(v, lo, hi);
    };
    for (int i = 0; i < 20000; ++i) {
        const double x = value();
        const double e = rng() % 8 == 0 ? (rng() % 2 ? lo - 1 : hi + 1) : value();
        const uint16_t cx = trip_code(x, axis);
        const uint16_t ce = edge_code(e, axis, hi);
        ASSERT_GE(cx, 1);
        ASSERT_LE(cx, kMaxCode);
        if (cx < ce) {
            ASSERT_LT(x, e) << "lo " << lo << " hi " << hi;
        }
        if (cx > ce) {
            ASSERT_GT(x, e) << "lo " << lo << " hi " << hi;
        }
        if (x == e) {
            ASSERT_EQ(cx, ce);
        }
        // Monotone: the next double never gets a smaller code.
        const double up = std::nextafter(x, 1e300);
        if (up <= hi) {
            ASSERT_LE(cx, trip_code(up, axis));
        }
    }
}

TEST(LeafCodes, DecisionsAreExactOnAndAroundCodeBoundaries) {
    std::mt19937_64 rng(5);
    for (double extent : {0.0, 1e-12, 3e-9, 1e-5, 0.01, 0.37, 1.0, 90.0, 359.9}) {
        for (double lo : {-179.99, -33.5, 0.0, 14.4378, 50.0755}) {
            const double hi = extent == 0.0 ? lo : lo + extent;
            expect_decisions_exact(lo, hi, rng);
        }
    }
}

}  // namespace
}  // namespace tripstream::query
