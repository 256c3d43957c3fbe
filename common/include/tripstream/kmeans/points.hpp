// A read-only view of n points of `dim` doubles each, stored row after row. The k-means code
// takes this view rather than a container so that callers keep whatever storage suits them
// (a std::vector, a memory-mapped benchmark file, a slice of a larger matrix).
#pragma once

#include <cstddef>
#include <type_traits>

namespace tripstream::kmeans {

// Points are processed in blocks of this many (one partial result per block, combined in
// block order): big enough to amortise the per-block bookkeeping, small enough to spread
// over a few threads with little imbalance.
inline constexpr std::size_t kBlockPoints = 16384;

struct Points {
    const double* data = nullptr;
    std::size_t size = 0;  // number of points (rows)
    std::size_t dim = 0;   // doubles per point

    const double* row(std::size_t i) const { return data + i * dim; }
};

// Calls f(std::integral_constant<int, D>) with D = dim for the dimensions worth a compiled,
// fully unrolled kernel (6: the trip features; 2: plane tests and examples), else D = 0
// (dimension read at run time).
template <typename F>
decltype(auto) with_fixed_dim(std::size_t dim, F&& f) {
    switch (dim) {
        case 6:
            return f(std::integral_constant<int, 6>{});
        case 2:
            return f(std::integral_constant<int, 2>{});
        default:
            return f(std::integral_constant<int, 0>{});
    }
}

}  // namespace tripstream::kmeans
