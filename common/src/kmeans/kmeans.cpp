#include "tripstream/kmeans/kmeans.hpp"

#include <cmath>

#include "tripstream/generator/random.hpp"
#include "tripstream/kmeans/centroid_table.hpp"
#include "tripstream/kmeans/hamerly.hpp"
#include "tripstream/kmeans/kmeans_plus_plus.hpp"
#include "tripstream/kmeans/mini_batch.hpp"
#include "tripstream/kmeans/thread_pool.hpp"

namespace tripstream::kmeans {
namespace {

void require(bool ok, const std::string& message) {
    if (!ok) throw std::invalid_argument("k-means: " + message);
}

void validate(Points points, const KMeansOptions& o) {
    require(points.dim >= 1, "points need at least one dimension");
    require(o.k >= 1, "k must be at least 1, got " + std::to_string(o.k));
    require(
        points.size >= static_cast<std::size_t>(o.k),
        "need at least k=" + std::to_string(o.k) + " points, got " + std::to_string(points.size));
    require(o.n_init >= 1, "n_init must be at least 1");
    require(o.max_iter >= 1, "max_iter must be at least 1");
    require(o.tol >= 0 && std::isfinite(o.tol), "tol must be a finite number >= 0");
    require(o.batch_size >= 1, "batch_size must be at least 1");
    require(o.initial_centroids.empty() ||
                o.initial_centroids.size() == static_cast<std::size_t>(o.k) * points.dim,
            "initial_centroids must hold k*dim values");
    for (std::size_t i = 0; i < points.size * points.dim; ++i)
        require(std::isfinite(points.data[i]),
                "point " + std::to_string(i / points.dim) + " has a non-finite coordinate");
}

bool use_mini_batch(Points points, const KMeansOptions& o) {
    if (o.algorithm == Algorithm::automatic) return points.size > o.mini_batch_threshold;
    return o.algorithm == Algorithm::mini_batch;
}

}  // namespace

std::string to_string(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::automatic:
            return "auto";
        case Algorithm::lloyd:
            return "lloyd";
        case Algorithm::mini_batch:
            return "mini-batch";
    }
    return "?";
}

Algorithm algorithm_from_string(const std::string& name) {
    for (Algorithm a : {Algorithm::automatic, Algorithm::lloyd, Algorithm::mini_batch})
        if (to_string(a) == name) return a;
    throw std::invalid_argument("unknown k-means algorithm '" + name +
                                "' (expected auto, lloyd or mini-batch)");
}

double mean_feature_variance(Points points) {
    if (points.size == 0) return 0;
    double total = 0;
    for (std::size_t j = 0; j < points.dim; ++j) {
        double mean = 0;
        for (std::size_t i = 0; i < points.size; ++i)
            mean += points.row(i)[j];
        mean /= static_cast<double>(points.size);
        double var = 0;
        for (std::size_t i = 0; i < points.size; ++i)
            var += (points.row(i)[j] - mean) * (points.row(i)[j] - mean);
        total += var / static_cast<double>(points.size);
    }
    return total / static_cast<double>(points.dim);
}

double inertia_of(Points points, const std::vector<double>& centroids) {
    CentroidTable table;
    table.load(centroids.data(), static_cast<int>(centroids.size() / points.dim),
               static_cast<int>(points.dim));
    double inertia = 0;
    with_fixed_dim(points.dim, [&](auto d) {
        for (std::size_t i = 0; i < points.size; ++i) {
            double best;
            table.nearest<decltype(d)::value>(points.row(i), best);
            inertia += best;
        }
    });
    return inertia;
}

KMeansResult fit(Points points, const KMeansOptions& options) {
    ThreadPool pool(options.threads);
    return fit(points, options, pool);
}

KMeansResult fit(Points points, const KMeansOptions& options, ThreadPool& pool) {
    validate(points, options);
    if (use_mini_batch(points, options)) return mini_batch_kmeans(points, options, pool);

    const LloydSettings settings{options.max_iter, options.tol * mean_feature_variance(points)};
    if (!options.initial_centroids.empty())
        return lloyd_hamerly(points, options.initial_centroids, options.k, settings, pool);

    KMeansResult best;
    uint64_t distances = 0;
    uint64_t naive = 0;
    uint64_t seeding = 0;  // k-means++ distances: not part of the pruning statistics
    int reseeds = 0;
    for (int r = 0; r < options.n_init; ++r) {
        SplitMix64 rng(options.seed, static_cast<uint64_t>(r));
        auto seeds = kmeans_plus_plus(points, options.k, options.local_trials, rng, pool, seeding);
        KMeansResult run = lloyd_hamerly(points, std::move(seeds), options.k, settings, pool);
        distances += run.distances_computed;
        naive += run.distances_naive;
        reseeds += run.empty_reseeds;
        if (r == 0 || run.inertia < best.inertia) {
            best = std::move(run);
            best.best_restart = r;
        }
    }
    best.distances_computed = distances;
    best.distances_naive = naive;
    best.empty_reseeds = reseeds;
    return best;
}

}  // namespace tripstream::kmeans
