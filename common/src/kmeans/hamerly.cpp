#include "tripstream/kmeans/hamerly.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tripstream/kmeans/centroid_table.hpp"
#include "tripstream/kmeans/thread_pool.hpp"

namespace tripstream::kmeans {
namespace {

enum class Pass {
    initial,  // full search for every point; sums built from scratch
    update,   // Hamerly-pruned search; sums changed by the points that moved
    final,    // as update, plus the exact distance of every point for the inertia
};

template <int D>
class HamerlyRun {
  public:
    HamerlyRun(Points points, std::vector<double> centroids, int k, ThreadPool& pool)
        : points_(points),
          k_(k),
          dim_(static_cast<int>(points.dim)),
          pool_(pool),
          blocks_(ThreadPool::block_count(points.size, kBlockPoints)),
          centroids_(std::move(centroids)),
          sums_(centroids_.size(), 0.0),
          counts_(static_cast<std::size_t>(k), 0),
          labels_(points.size, 0),
          upper_(points.size, 0.0),
          lower_(points.size, 0.0),
          drift_(static_cast<std::size_t>(k), 0.0),
          half_separation_(static_cast<std::size_t>(k), 0.0),
          block_sums_(blocks_ * centroids_.size()),
          block_counts_(blocks_ * static_cast<std::size_t>(k)),
          block_distances_(blocks_),
          block_inertia_(blocks_) {}

    KMeansResult run(const LloydSettings& settings) {
        KMeansResult result;
        refresh_geometry();
        assign(Pass::initial);
        result.empty_reseeds += reseed_empty();
        for (int it = 1; it <= settings.max_iter; ++it) {
            const double shift = move_centroids();
            result.iterations = it;
            if (shift <= settings.tol_abs) {
                result.converged = true;
                break;
            }
            if (it == settings.max_iter) break;
            assign(Pass::update);
            result.empty_reseeds += reseed_empty();
        }
        result.inertia = assign(Pass::final);
        result.centroids = std::move(centroids_);
        result.labels = std::move(labels_);
        result.sizes.assign(counts_.begin(), counts_.end());
        result.distances_computed = distances_;
        result.distances_naive = naive_;
        return result;
    }

  private:
    const double* centroid(int j) const { return &centroids_[static_cast<std::size_t>(j) * dim_]; }

    // One assignment pass; returns the inertia (only meaningful for Pass::final).
    double assign(Pass pass) {
        std::fill(block_sums_.begin(), block_sums_.end(), 0.0);
        std::fill(block_counts_.begin(), block_counts_.end(), 0);
        pool_.for_each_block(points_.size, kBlockPoints,
                             [&](std::size_t blk, std::size_t begin, std::size_t end) {
                                 assign_block(pass, blk, begin, end);
                             });
        if (pass == Pass::initial) {
            std::fill(sums_.begin(), sums_.end(), 0.0);
            std::fill(counts_.begin(), counts_.end(), 0);
        }
        double inertia = 0;
        for (std::size_t blk = 0; blk < blocks_; ++blk) {
            const double* bs = &block_sums_[blk * sums_.size()];
            for (std::size_t i = 0; i < sums_.size(); ++i)
                sums_[i] += bs[i];
            const int64_t* bc = &block_counts_[blk * counts_.size()];
            for (std::size_t j = 0; j < counts_.size(); ++j)
                counts_[j] += bc[j];
            distances_ += block_distances_[blk];
            inertia += block_inertia_[blk];
        }
        naive_ += points_.size * static_cast<uint64_t>(k_);
        return inertia;
    }

    void assign_block(Pass pass, std::size_t blk, std::size_t begin, std::size_t end) {
        double* sums = &block_sums_[blk * sums_.size()];
        int64_t* counts = &block_counts_[blk * counts_.size()];
        uint64_t distances = 0;
        double inertia = 0;
        for (std::size_t i = begin; i < end; ++i) {
            const double* x = points_.row(i);
            if (pass == Pass::initial) {
                double best, second;
                const int a = table_.nearest<D, true>(x, best, second);
                labels_[i] = a;
                upper_[i] = std::sqrt(best);
                lower_[i] = std::sqrt(second);
                add(sums, counts, a, x, +1);
                distances += static_cast<uint64_t>(k_);
                continue;
            }
            const int a = labels_[i];
            // Loosen the bounds by how far the centroids moved, then try to prune.
            double upper = upper_[i] + drift_[a];
            double lower = lower_[i] - (a == argmax_drift_ ? second_drift_ : max_drift_);
            const double bound = std::max(half_separation_[a], lower);
            double upper_sq = -1;
            if (upper > bound || pass == Pass::final) {
                upper_sq = squared_distance<D>(x, centroid(a), dim_);
                upper = std::sqrt(upper_sq);
                ++distances;
                if (upper > bound) {
                    double second;
                    const int b = table_.nearest<D, true>(x, upper_sq, second);
                    distances += static_cast<uint64_t>(k_);
                    upper = std::sqrt(upper_sq);
                    lower = std::sqrt(second);
                    if (b != a) {
                        add(sums, counts, a, x, -1);
                        add(sums, counts, b, x, +1);
                        labels_[i] = b;
                    }
                }
            }
            upper_[i] = upper;
            lower_[i] = lower;
            inertia += upper_sq;
        }
        block_distances_[blk] = distances;
        block_inertia_[blk] = inertia;
    }

    void add(double* sums, int64_t* counts, int j, const double* x, int sign) const {
        double* s = sums + static_cast<std::size_t>(j) * dim_;
        const int d = D > 0 ? D : dim_;
        for (int t = 0; t < d; ++t)
            s[t] += sign * x[t];
        counts[j] += sign;
    }

    // Moves each centroid to the mean of its points; returns the sum of squared moves.
    double move_centroids() {
        double shift = 0;
        for (int j = 0; j < k_; ++j) {
            double* c = &centroids_[static_cast<std::size_t>(j) * dim_];
            const double* s = &sums_[static_cast<std::size_t>(j) * dim_];
            const double inv = 1.0 / static_cast<double>(counts_[j]);
            double moved = 0;
            for (int t = 0; t < dim_; ++t) {
                const double next = s[t] * inv;
                moved += (next - c[t]) * (next - c[t]);
                c[t] = next;
            }
            drift_[j] = std::sqrt(moved);
            shift += moved;
        }
        max_drift_ = second_drift_ = 0;
        argmax_drift_ = -1;
        for (int j = 0; j < k_; ++j) {
            if (drift_[j] > max_drift_) {
                second_drift_ = max_drift_;
                max_drift_ = drift_[j];
                argmax_drift_ = j;
            } else if (drift_[j] > second_drift_) {
                second_drift_ = drift_[j];
            }
        }
        refresh_geometry();
        return shift;
    }

    // Search table and, per centroid, half the distance to its nearest other centroid: a
    // point closer than that to its centroid cannot be closer to any other one.
    void refresh_geometry() {
        table_.load(centroids_.data(), k_, dim_);
        for (int j = 0; j < k_; ++j) {
            double nearest = std::numeric_limits<double>::infinity();
            for (int o = 0; o < k_; ++o)
                if (o != j)
                    nearest =
                        std::min(nearest, squared_distance<D>(centroid(j), centroid(o), dim_));
            half_separation_[j] = 0.5 * std::sqrt(nearest);
        }
    }

    // Gives each empty cluster the point farthest from its own centroid (taken from a cluster
    // that keeps at least one point). Returns how many clusters were re-seeded.
    int reseed_empty() {
        int reseeded = 0;
        for (int j = 0; j < k_; ++j) {
            if (counts_[j] != 0) continue;
            if (reseeded == 0) tighten_upper_bounds();
            const std::size_t i = farthest_movable_point();
            const int from = labels_[i];
            const double* x = points_.row(i);
            add(sums_.data(), counts_.data(), from, x, -1);
            add(sums_.data(), counts_.data(), j, x, +1);
            labels_[i] = j;
            upper_[i] = 0;  // it will be the centroid of j after the next move
            lower_[i] = 0;  // forces a full search next pass
            ++reseeded;
        }
        return reseeded;
    }

    void tighten_upper_bounds() {
        pool_.for_each_block(
            points_.size, kBlockPoints, [&](std::size_t, std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i)
                    upper_[i] =
                        std::sqrt(squared_distance<D>(points_.row(i), centroid(labels_[i]), dim_));
            });
        distances_ += points_.size;
    }

    std::size_t farthest_movable_point() const {
        std::size_t best = 0;
        double best_distance = -1;
        for (std::size_t i = 0; i < points_.size; ++i) {
            if (counts_[labels_[i]] > 1 && upper_[i] > best_distance) {
                best = i;
                best_distance = upper_[i];
            }
        }
        return best;
    }

    Points points_;
    int k_;
    int dim_;
    ThreadPool& pool_;
    std::size_t blocks_;
    std::vector<double> centroids_;
    std::vector<double> sums_;
    std::vector<int64_t> counts_;
    std::vector<int32_t> labels_;
    std::vector<double> upper_;  // >= distance to the own centroid
    std::vector<double> lower_;  // <= distance to every other centroid
    std::vector<double> drift_;
    std::vector<double> half_separation_;
    double max_drift_ = 0;
    double second_drift_ = 0;
    int argmax_drift_ = -1;
    CentroidTable table_;
    std::vector<double> block_sums_;
    std::vector<int64_t> block_counts_;
    std::vector<uint64_t> block_distances_;
    std::vector<double> block_inertia_;
    uint64_t distances_ = 0;
    uint64_t naive_ = 0;
};

}  // namespace

KMeansResult lloyd_hamerly(Points points, std::vector<double> centroids, int k,
                           const LloydSettings& settings, ThreadPool& pool) {
    return with_fixed_dim(points.dim, [&](auto d) {
        HamerlyRun<decltype(d)::value> run(points, std::move(centroids), k, pool);
        return run.run(settings);
    });
}

}  // namespace tripstream::kmeans
