#include "tripstream/kmeans/centroid_table.hpp"

namespace tripstream::kmeans {

// Padding centroids sit this far out in every dimension: their squared distance to any real
// point (coordinates in metres) is ~1e200, finite and never the smallest.
constexpr double kFarAway = 1e100;
// For nearest_index: padding scores |c|^2/2 - x.c stay near this, far above any real one.
constexpr double kFarAwayScore = 1e300;

void CentroidTable::load(const double* centroids, int k, int dim) {
    k_ = k;
    dim_ = dim;
    blocks_ = (k + kBlock - 1) / kBlock;
    soa_.assign(static_cast<std::size_t>(blocks_) * dim * kBlock, kFarAway);
    half_norms_.assign(static_cast<std::size_t>(blocks_) * kBlock, kFarAwayScore);
    for (int c = 0; c < k; ++c) {
        double norm = 0;
        for (int j = 0; j < dim; ++j)
            norm += centroids[static_cast<std::size_t>(c) * dim + j] *
                    centroids[static_cast<std::size_t>(c) * dim + j];
        half_norms_[static_cast<std::size_t>(c)] = 0.5 * norm;
        const int blk = c / kBlock;
        const int lane = c % kBlock;
        for (int j = 0; j < dim; ++j)
            soa_[(static_cast<std::size_t>(blk) * dim + j) * kBlock + lane] =
                centroids[static_cast<std::size_t>(c) * dim + j];
    }
}

}  // namespace tripstream::kmeans
