#include "tripstream/kmeans/mini_batch.hpp"

#include <algorithm>
#include <limits>

#include "tripstream/generator/random.hpp"
#include "tripstream/kmeans/centroid_table.hpp"
#include "tripstream/kmeans/kmeans_plus_plus.hpp"
#include "tripstream/kmeans/thread_pool.hpp"

namespace tripstream::kmeans {
namespace {

// A cluster that received no point for this many consecutive batches is re-seeded.
constexpr int kIdleBatches = 100;

std::size_t random_index(SplitMix64& rng, std::size_t n) {
    return std::min(n - 1, static_cast<std::size_t>(rng.uniform() * static_cast<double>(n)));
}

// The best of n_init k-means++ seedings of a random sample, by inertia on that sample.
std::vector<double> initial_centroids(Points points, const KMeansOptions& o, std::size_t batch,
                                      ThreadPool& pool) {
    if (!o.initial_centroids.empty()) return o.initial_centroids;
    const std::size_t k = static_cast<std::size_t>(o.k);
    const std::size_t size = std::min(points.size, std::max(3 * batch, 3 * k));
    SplitMix64 rng(o.seed, 0x5A3B1E);
    std::vector<double> sample;
    sample.reserve(size * points.dim);
    for (std::size_t s = 0; s < size; ++s) {
        const double* x = points.row(random_index(rng, points.size));
        sample.insert(sample.end(), x, x + points.dim);
    }
    const Points sample_points{sample.data(), size, points.dim};
    std::vector<double> best;
    double best_inertia = std::numeric_limits<double>::infinity();
    uint64_t unused = 0;
    for (int r = 0; r < o.n_init; ++r) {
        SplitMix64 seed_rng(o.seed, static_cast<uint64_t>(r));
        auto c = kmeans_plus_plus(sample_points, o.k, o.local_trials, seed_rng, pool, unused);
        const double inertia = inertia_of(sample_points, c);
        if (inertia < best_inertia) {
            best_inertia = inertia;
            best = std::move(c);
        }
    }
    return best;
}

template <int D>
class MiniBatch {
  public:
    MiniBatch(Points points, const KMeansOptions& o, ThreadPool& pool)
        : points_(points),
          options_(o),
          pool_(pool),
          k_(o.k),
          dim_(static_cast<int>(points.dim)),
          batch_(std::min(points.size, o.batch_size)),
          centroids_(initial_centroids(points, o, batch_, pool)),
          counts_(static_cast<std::size_t>(k_), 0.0),
          last_seen_(static_cast<std::size_t>(k_), 0),
          batch_sums_(centroids_.size()),
          batch_counts_(static_cast<std::size_t>(k_)) {
        table_.load(centroids_.data(), k_, dim_);
    }

    KMeansResult run() {
        KMeansResult result;
        result.algorithm = Algorithm::mini_batch;
        SplitMix64 rng(options_.seed, 0xBA7C4);
        const auto steps =
            std::max<uint64_t>(1, static_cast<uint64_t>(options_.max_iter) * points_.size / batch_);
        double smoothed = -1;
        double best_smoothed = std::numeric_limits<double>::infinity();
        int no_improvement = 0;
        const double alpha = std::min(
            1.0, 2.0 * static_cast<double>(batch_) / static_cast<double>(points_.size + 1));
        for (uint64_t step = 1; step <= steps; ++step) {
            const double batch_inertia =
                take_batch(rng, step, result.empty_reseeds) / static_cast<double>(batch_);
            result.iterations = static_cast<int>(std::min<uint64_t>(step, INT32_MAX));
            // Convergence on an exponentially weighted average of the batch inertia: single
            // batches are too noisy to compare.
            smoothed =
                smoothed < 0 ? batch_inertia : smoothed * (1 - alpha) + batch_inertia * alpha;
            if (smoothed < best_smoothed) {
                best_smoothed = smoothed;
                no_improvement = 0;
            } else if (++no_improvement >= options_.max_no_improvement) {
                result.converged = true;
                break;
            }
        }
        label_all(result);
        result.centroids = std::move(centroids_);
        return result;
    }

  private:
    // Assigns one random batch and moves the centroids; returns the batch's inertia.
    double take_batch(SplitMix64& rng, uint64_t step, int& reseeds) {
        std::fill(batch_sums_.begin(), batch_sums_.end(), 0.0);
        std::fill(batch_counts_.begin(), batch_counts_.end(), 0.0);
        double inertia = 0;
        double farthest_sq = -1;
        std::size_t farthest = 0;
        for (std::size_t t = 0; t < batch_; ++t) {
            const std::size_t i = random_index(rng, points_.size);
            const double* x = points_.row(i);
            double d2;
            const int a = table_.nearest<D>(x, d2);
            double* s = &batch_sums_[static_cast<std::size_t>(a) * dim_];
            for (int j = 0; j < dim_; ++j)
                s[j] += x[j];
            batch_counts_[a] += 1;
            inertia += d2;
            if (d2 > farthest_sq) {
                farthest_sq = d2;
                farthest = i;
            }
        }
        // Per-centroid learning rate: the new centroid is the mean of every point it has
        // been given so far (old mean weighted by its count, plus this batch).
        for (int c = 0; c < k_; ++c) {
            if (batch_counts_[c] == 0) continue;
            double* centroid = &centroids_[static_cast<std::size_t>(c) * dim_];
            const double* s = &batch_sums_[static_cast<std::size_t>(c) * dim_];
            const double total = counts_[c] + batch_counts_[c];
            for (int j = 0; j < dim_; ++j)
                centroid[j] = (centroid[j] * counts_[c] + s[j]) / total;
            counts_[c] = total;
            last_seen_[c] = step;
        }
        reseed_idle(step, farthest, reseeds);
        table_.load(centroids_.data(), k_, dim_);
        return inertia;
    }

    // The cluster idle longest (if past kIdleBatches) restarts at the batch's worst-served point.
    void reseed_idle(uint64_t step, std::size_t farthest, int& reseeds) {
        const auto idle = std::min_element(last_seen_.begin(), last_seen_.end());
        if (step - *idle < kIdleBatches) return;
        const auto c = static_cast<std::size_t>(idle - last_seen_.begin());
        std::copy_n(points_.row(farthest), dim_, &centroids_[c * dim_]);
        counts_[c] = 1;
        *idle = step;
        ++reseeds;
    }

    void label_all(KMeansResult& result) {
        const std::size_t blocks = ThreadPool::block_count(points_.size, kBlockPoints);
        std::vector<double> block_inertia(blocks);
        result.labels.resize(points_.size);
        pool_.for_each_block(points_.size, kBlockPoints,
                             [&](std::size_t blk, std::size_t begin, std::size_t end) {
                                 double inertia = 0;
                                 for (std::size_t i = begin; i < end; ++i) {
                                     double d2;
                                     result.labels[i] = table_.nearest<D>(points_.row(i), d2);
                                     inertia += d2;
                                 }
                                 block_inertia[blk] = inertia;
                             });
        for (double b : block_inertia)
            result.inertia += b;
        result.sizes.assign(static_cast<std::size_t>(k_), 0);
        for (int32_t label : result.labels)
            ++result.sizes[static_cast<std::size_t>(label)];
        result.distances_computed = result.distances_naive = points_.size * k_;
    }

    Points points_;
    const KMeansOptions& options_;
    ThreadPool& pool_;
    int k_;
    int dim_;
    std::size_t batch_;
    std::vector<double> centroids_;
    std::vector<double> counts_;
    std::vector<uint64_t> last_seen_;
    std::vector<double> batch_sums_;
    std::vector<double> batch_counts_;
    CentroidTable table_;
};

}  // namespace

KMeansResult mini_batch_kmeans(Points points, const KMeansOptions& options, ThreadPool& pool) {
    return with_fixed_dim(points.dim, [&](auto d) {
        MiniBatch<decltype(d)::value> run(points, options, pool);
        return run.run();
    });
}

}  // namespace tripstream::kmeans
