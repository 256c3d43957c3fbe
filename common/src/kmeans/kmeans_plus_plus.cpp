#include "tripstream/kmeans/kmeans_plus_plus.hpp"

#include <algorithm>
#include <cmath>

#include "tripstream/generator/random.hpp"
#include "tripstream/kmeans/centroid_table.hpp"
#include "tripstream/kmeans/thread_pool.hpp"

namespace tripstream::kmeans {
namespace {

// The seeding state: for every point the squared distance to its nearest chosen centroid,
// with running sums inside each block so a D^2 sample costs a scan of the block totals plus
// one binary search (no sequential pass over all points).
template <int D>
class Seeder {
  public:
    Seeder(Points points, ThreadPool& pool)
        : points_(points),
          pool_(pool),
          closest_(points.size),
          cumulative_(points.size),
          block_total_(ThreadPool::block_count(points.size, kBlockPoints)) {}

    // Makes point `index` a centroid: updates the nearest distances.
    void add_centroid(std::size_t index) {
        const double* c = points_.row(index);
        const bool first = (index_count_++ == 0);
        pool_.for_each_block(points_.size, kBlockPoints,
                             [&](std::size_t blk, std::size_t begin, std::size_t end) {
                                 double running = 0;
                                 for (std::size_t i = begin; i < end; ++i) {
                                     const double d = distance(i, c);
                                     closest_[i] = first ? d : std::min(closest_[i], d);
                                     cumulative_[i] = (running += closest_[i]);
                                 }
                                 block_total_[blk] = running;
                             });
    }

    // A point drawn with probability proportional to its nearest squared distance.
    std::size_t sample(SplitMix64& rng) const {
        double total = 0;
        for (double t : block_total_)
            total += t;
        if (!(total > 0)) return uniform_index(rng);  // every point sits on a centroid
        double r = rng.uniform() * total;
        std::size_t blk = 0;
        while (blk + 1 < block_total_.size() && r >= block_total_[blk])
            r -= block_total_[blk++];
        const auto first = cumulative_.begin() + static_cast<std::ptrdiff_t>(blk * kBlockPoints);
        const auto last = cumulative_.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                    points_.size, (blk + 1) * kBlockPoints));
        const auto it = std::upper_bound(first, last, r);
        return static_cast<std::size_t>(std::min(it, last - 1) - cumulative_.begin());
    }

    std::size_t uniform_index(SplitMix64& rng) const {
        const auto i = static_cast<std::size_t>(rng.uniform() * static_cast<double>(points_.size));
        return std::min(i, points_.size - 1);
    }

    // The candidate that would leave the smallest total nearest distance (first on ties).
    std::size_t best_candidate(const std::vector<std::size_t>& candidates) {
        const std::size_t blocks = block_total_.size();
        const std::size_t m = candidates.size();
        partial_.assign(blocks * m, 0.0);
        pool_.for_each_block(
            points_.size, kBlockPoints, [&](std::size_t blk, std::size_t begin, std::size_t end) {
                double* pot = &partial_[blk * m];
                for (std::size_t i = begin; i < end; ++i)
                    for (std::size_t t = 0; t < m; ++t)
                        pot[t] += std::min(closest_[i], distance(i, points_.row(candidates[t])));
            });
        std::size_t best = 0;
        double best_pot = 0;
        for (std::size_t t = 0; t < m; ++t) {
            double pot = 0;
            for (std::size_t blk = 0; blk < blocks; ++blk)
                pot += partial_[blk * m + t];
            if (t == 0 || pot < best_pot) {
                best = t;
                best_pot = pot;
            }
        }
        return candidates[best];
    }

  private:
    double distance(std::size_t i, const double* c) const {
        return squared_distance<D>(points_.row(i), c, static_cast<int>(points_.dim));
    }

    Points points_;
    ThreadPool& pool_;
    std::vector<double> closest_;
    std::vector<double> cumulative_;
    std::vector<double> block_total_;
    std::vector<double> partial_;
    int index_count_ = 0;
};

template <int D>
std::vector<double> seed(Points points, int k, int trials, SplitMix64& rng, ThreadPool& pool,
                         uint64_t& distances) {
    Seeder<D> seeder(points, pool);
    std::vector<std::size_t> chosen{seeder.uniform_index(rng)};
    seeder.add_centroid(chosen[0]);
    std::vector<std::size_t> candidates(static_cast<std::size_t>(trials));
    for (int c = 1; c < k; ++c) {
        for (auto& candidate : candidates)
            candidate = seeder.sample(rng);
        chosen.push_back(seeder.best_candidate(candidates));
        seeder.add_centroid(chosen.back());
        distances += points.size * static_cast<uint64_t>(trials + 1);
    }
    distances += points.size;
    std::vector<double> centroids;
    centroids.reserve(static_cast<std::size_t>(k) * points.dim);
    for (std::size_t index : chosen)
        centroids.insert(centroids.end(), points.row(index), points.row(index) + points.dim);
    return centroids;
}

}  // namespace

std::vector<double> kmeans_plus_plus(Points points, int k, int local_trials, SplitMix64& rng,
                                     ThreadPool& pool, uint64_t& distances) {
    const int trials = local_trials > 0 ? local_trials : 2 + static_cast<int>(std::log(k));
    return with_fixed_dim(points.dim, [&](auto d) {
        return seed<decltype(d)::value>(points, k, trials, rng, pool, distances);
    });
}

}  // namespace tripstream::kmeans
