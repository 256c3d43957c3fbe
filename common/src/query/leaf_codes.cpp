#include "tripstream/query/leaf_codes.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tripstream::query {
namespace {

constexpr double kMaxScaled = kMaxCode - 1;  // (x - lo) * scale stays within [0, this]

uint16_t scaled_code(double x, const LeafAxis& axis) {
    const double q = (x - axis.lo) * axis.scale;
    return static_cast<uint16_t>(1 + (q < kMaxScaled ? static_cast<uint32_t>(q) : kMaxCode - 1));
}

// Per trip: whether the end lies in the box for sure, outside for sure, or undecided.
struct EndState {
    bool in;
    bool out;
};

EndState end_state(const LeafCodes& c, const LeafEdges& e, uint32_t j, size_t x) {
    const size_t y = x + 1;
    const uint16_t qx = c.code[x][j];
    const uint16_t qy = c.code[y][j];
    const bool out = qx < e.min[x] || qx > e.max[x] || qy < e.min[y] || qy > e.max[y];
    const bool in = qx > e.min[x] && qx < e.max[x] && qy > e.min[y] && qy < e.max[y];
    return {in, out};
}

LeafMasks classify_scalar(const LeafCodes& c, const LeafEdges& e, Match match) {
    LeafMasks m;
    for (uint32_t j = 0; j < c.n; ++j) {
        const EndState o = match != Match::destination ? end_state(c, e, j, 0) : EndState{};
        const EndState d = match != Match::origin ? end_state(c, e, j, 2) : EndState{};
        bool in;
        bool out;
        switch (match) {
            case Match::origin:
                in = o.in, out = o.out;
                break;
            case Match::destination:
                in = d.in, out = d.out;
                break;
            case Match::both:
                in = o.in && d.in, out = o.out || d.out;
                break;
            default:
                in = o.in || d.in, out = o.out && d.out;
                break;
        }
        m.in |= uint64_t{in} << j;
        m.ambiguous |= uint64_t{!in && !out} << j;
    }
    return m;
}

#if defined(__x86_64__)
// 16 trips per step. Codes are unsigned; flipping the top bit lets signed comparisons
// order them.
struct EndVectors {
    __m256i in;
    __m256i out;
};

__attribute__((target("avx2"), always_inline)) inline EndVectors end_avx2(const LeafCodes& c,
                                                                          const LeafEdges& e,
                                                                          uint32_t j, size_t x) {
    const __m256i flip = _mm256_set1_epi16(static_cast<int16_t>(0x8000));
    __m256i in = _mm256_set1_epi16(-1);
    __m256i out = _mm256_setzero_si256();
    for (size_t k = x; k < x + 2; ++k) {
        const __m256i q = _mm256_xor_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c.code[k] + j)), flip);
        const __m256i lo = _mm256_set1_epi16(static_cast<int16_t>(e.min[k] ^ 0x8000));
        const __m256i hi = _mm256_set1_epi16(static_cast<int16_t>(e.max[k] ^ 0x8000));
        out = _mm256_or_si256(
            out, _mm256_or_si256(_mm256_cmpgt_epi16(lo, q), _mm256_cmpgt_epi16(q, hi)));
        in = _mm256_and_si256(
            in, _mm256_and_si256(_mm256_cmpgt_epi16(q, lo), _mm256_cmpgt_epi16(hi, q)));
    }
    return {in, out};
}

// One bit per 16-bit lane (movemask gives two per lane).
__attribute__((target("avx2,bmi2"), always_inline)) inline uint64_t lane_bits(__m256i v) {
    return _pext_u32(static_cast<uint32_t>(_mm256_movemask_epi8(v)), 0x55555555u);
}

__attribute__((target("avx2,bmi2"))) LeafMasks classify_avx2(const LeafCodes& c, const LeafEdges& e,
                                                             Match match) {
    LeafMasks m;
    for (uint32_t j = 0; j < c.n; j += 16) {
        EndVectors r;
        if (match == Match::origin) {
            r = end_avx2(c, e, j, 0);
        } else if (match == Match::destination) {
            r = end_avx2(c, e, j, 2);
        } else {
            const EndVectors o = end_avx2(c, e, j, 0);
            const EndVectors d = end_avx2(c, e, j, 2);
            r = match == Match::both
                    ? EndVectors{_mm256_and_si256(o.in, d.in), _mm256_or_si256(o.out, d.out)}
                    : EndVectors{_mm256_or_si256(o.in, d.in), _mm256_and_si256(o.out, d.out)};
        }
        m.in |= lane_bits(r.in) << j;
        m.ambiguous |=
            lane_bits(_mm256_andnot_si256(_mm256_or_si256(r.in, r.out), _mm256_set1_epi16(-1)))
            << j;
    }
    const uint64_t valid = c.n >= 64 ? ~uint64_t{0} : (uint64_t{1} << c.n) - 1;
    m.in &= valid;
    m.ambiguous &= valid;
    return m;
}
#endif

}  // namespace

int8_t LeafAxis::shift_for(double lo, double hi) {
    const double extent = hi - lo;
    if (!(extent > 0)) return 0;  // every coordinate equals lo: all codes 1
    // The largest power of two that keeps the extent within kMaxScaled steps.
    int shift = std::ilogb(kMaxScaled / extent);
    while (shift > -126 && extent * std::ldexp(1.0, shift) > kMaxScaled)
        --shift;
    return static_cast<int8_t>(std::clamp(shift, -126, 126));
}

LeafAxis LeafAxis::of(double lo, int8_t shift) {
    // 2^shift built from its exponent bits (exact for |shift| <= 126, which shift_for
    // guarantees): a query makes four of these per leaf, and std::ldexp is a library call.
    const auto bits = static_cast<uint64_t>(1023 + static_cast<int>(shift)) << 52;
    return {lo, std::bit_cast<double>(bits)};
}

uint16_t trip_code(double x, const LeafAxis& axis) {
    return scaled_code(x, axis);
}

uint16_t edge_code(double e, const LeafAxis& axis, double hi) {
    if (e < axis.lo) return 0;
    if (e > hi) return 0xFFFF;
    return scaled_code(e, axis);
}

LeafMasks classify_leaf(const LeafCodes& codes, const LeafEdges& edges, Match match) {
#if defined(__x86_64__)
    static const bool simd = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
    if (simd) return classify_avx2(codes, edges, match);
#endif
    return classify_scalar(codes, edges, match);
}

}  // namespace tripstream::query
