// Counter-based pseudo-random numbers: a stream seeded from (seed, index) so that any row of
// a generated data set can be produced independently of the rows before it.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace tripstream {

class SplitMix64 {
  public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    SplitMix64(uint64_t seed, uint64_t index) : state_(seed ^ (index * 0xD1B54A32D192ED03ULL)) {
        next();  // decorrelates neighbouring indexes
    }

    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // Standard normal (Box-Muller; one of the pair is discarded for simplicity).
    double normal() {
        const double u1 = 1.0 - uniform();  // (0, 1]
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }

    // Index drawn from a cumulative distribution (last entry 1.0).
    size_t pick(const std::vector<double>& cdf) {
        const double u = uniform();
        size_t i = 0;
        while (i + 1 < cdf.size() && u >= cdf[i])
            ++i;
        return i;
    }

  private:
    uint64_t state_;
};

// Normalised cumulative sums of `weights`.
std::vector<double> cumulative(const std::vector<double>& weights);

}  // namespace tripstream
