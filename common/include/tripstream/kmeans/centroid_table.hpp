// Centroids laid out for the nearest-centroid search, the hot loop of both training and
// assignment. Centroids are grouped in blocks of 4 and, within a block, stored dimension by
// dimension ([block][dim][4]): the inner loop then computes 4 squared distances at once with
// plain SSE2 vector code (no -march needed) and no horizontal sums. The last block is padded
// with far-away dummies that can never be nearest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace tripstream::kmeans {

// Squared Euclidean distance. D > 0 fixes the dimension at compile time (fully unrolled);
// D == 0 uses `dim`.
template <int D>
inline double squared_distance(const double* a, const double* b, int dim) {
    const int d = D > 0 ? D : dim;
    double s = 0;
    for (int j = 0; j < d; ++j) {
        const double t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

class CentroidTable {
  public:
    static constexpr int kBlock = 4;

    // Loads `k` centroids of `dim` doubles, row after row.
    void load(const double* centroids, int k, int dim);

    int k() const { return k_; }
    int dim() const { return dim_; }

    // Index of the nearest centroid to x (lowest index on ties); its squared distance in
    // best_sq and, when kSecond, the second smallest squared distance in second_sq
    // (+infinity when k == 1).
    template <int D, bool kSecond>
    int nearest(const double* x, double& best_sq, double& second_sq) const {
        const int d = D > 0 ? D : dim_;
        double b1 = std::numeric_limits<double>::infinity();
        double b2 = b1;
        int arg = 0;
        const double* c = soa_.data();
        for (int blk = 0; blk < blocks_; ++blk, c += d * kBlock) {
            double acc[kBlock] = {0, 0, 0, 0};
            for (int j = 0; j < d; ++j) {
                const double xj = x[j];
                for (int l = 0; l < kBlock; ++l) {
                    const double t = xj - c[j * kBlock + l];
                    acc[l] += t * t;
                }
            }
            for (int l = 0; l < kBlock; ++l) {
                if (acc[l] < b1) {
                    if constexpr (kSecond) b2 = b1;
                    b1 = acc[l];
                    arg = blk * kBlock + l;
                } else if (kSecond && acc[l] < b2) {
                    b2 = acc[l];
                }
            }
        }
        best_sq = b1;
        if constexpr (kSecond) second_sq = k_ > 1 ? b2 : std::numeric_limits<double>::infinity();
        return arg;
    }

    template <int D>
    int nearest(const double* x, double& best_sq) const {
        double unused;
        return nearest<D, false>(x, best_sq, unused);
    }

    // Index of the nearest centroid only, for assignment. Minimises
    // |c|^2/2 - x.c (= (|x - c|^2 - |x|^2) / 2): one multiply and one subtract per
    // coordinate instead of subtract, multiply, add, and no data-dependent branch. The
    // rounding of the expansion (~1e-16 of |x|^2) can only matter for near-exact ties;
    // training keeps the exact form, whose distances feed the bounds.
    template <int D>
    int nearest_index(const double* x) const {
        const int d = D > 0 ? D : dim_;
        double best = std::numeric_limits<double>::infinity();
        int arg = 0;
        const double* c = soa_.data();
        const double* h = half_norms_.data();
        for (int blk = 0; blk < blocks_; ++blk, c += d * kBlock, h += kBlock) {
            double score[kBlock];
            for (int l = 0; l < kBlock; ++l)
                score[l] = h[l];
            for (int j = 0; j < d; ++j) {
                const double xj = x[j];
                for (int l = 0; l < kBlock; ++l)
                    score[l] -= xj * c[j * kBlock + l];
            }
            for (int l = 0; l < kBlock; ++l) {
                const bool better = score[l] < best;
                best = better ? score[l] : best;
                arg = better ? blk * kBlock + l : arg;
            }
        }
        return arg;
    }

  private:
    int k_ = 0;
    int dim_ = 0;
    int blocks_ = 0;
    std::vector<double> soa_;
    std::vector<double> half_norms_;  // |c|^2 / 2 per centroid, [block][4]
};

}  // namespace tripstream::kmeans
