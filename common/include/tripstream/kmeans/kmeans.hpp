// k-means clustering of points in R^d: k-means++ initialisation, Lloyd iterations with
// Hamerly's bounds (most point-centroid distances are never computed), several restarts
// keeping the lowest inertia, and a mini-batch mode for very large inputs.
//
// Results depend only on (points, options): not on the number of threads (partial sums are
// kept per fixed block of points and combined in block order).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tripstream/kmeans/points.hpp"

namespace tripstream::kmeans {

class ThreadPool;

enum class Algorithm {
    automatic,   // lloyd up to mini_batch_threshold points, mini_batch above
    lloyd,       // exact Lloyd iterations with Hamerly bounds
    mini_batch,  // Sculley's mini-batch k-means (web-scale; approximate)
};

std::string to_string(Algorithm algorithm);
Algorithm algorithm_from_string(const std::string& name);  // throws std::invalid_argument

struct KMeansOptions {
    int k = 8;
    int n_init = 3;      // restarts from different k-means++ seeds; the lowest inertia wins
    int max_iter = 100;  // Lloyd iterations per restart (mini-batch: passes over the data)
    // Convergence: stop when the sum of squared centroid moves in one iteration is at most
    // tol * (mean per-feature variance of the data), scikit-learn's definition, so the same
    // tol means the same thing on both sides of the benchmark. Also stops when no point
    // changes cluster.
    double tol = 1e-4;
    uint64_t seed = 42;
    int threads = 1;  // 0 = all hardware threads
    Algorithm algorithm = Algorithm::automatic;
    std::size_t mini_batch_threshold = 4'000'000;
    std::size_t batch_size = 4096;
    int max_no_improvement = 10;  // mini-batch: stop after this many batches without progress
    // k-means++ candidates per centroid; 0 = 2 + floor(ln k) (greedy k-means++, as sklearn).
    int local_trials = 0;
    // When not empty: k*dim starting centroids instead of k-means++ (one run, no restarts).
    std::vector<double> initial_centroids;
};

struct KMeansResult {
    std::vector<double> centroids;  // k rows of dim doubles
    std::vector<int32_t> labels;    // cluster of each point
    std::vector<uint64_t> sizes;    // points per cluster
    double inertia = 0;             // sum of squared distances to the assigned centroid
    int iterations = 0;             // of the winning restart
    bool converged = false;         // tolerance reached before max_iter
    int best_restart = 0;
    int empty_reseeds = 0;  // empty clusters re-seeded (all restarts)
    Algorithm algorithm = Algorithm::lloyd;
    // Point-centroid distances computed in the Lloyd phase, and what plain Lloyd would have
    // computed (n*k per iteration): their ratio shows how much Hamerly's bounds pruned.
    uint64_t distances_computed = 0;
    uint64_t distances_naive = 0;
};

// Clusters `points` into options.k groups. Throws std::invalid_argument on bad options or
// data (fewer points than k, non-finite values).
KMeansResult fit(Points points, const KMeansOptions& options);
// The same on an existing pool (its size overrides options.threads).
KMeansResult fit(Points points, const KMeansOptions& options, ThreadPool& pool);

// Mean over features of the per-feature variance: the scale for KMeansOptions::tol.
double mean_feature_variance(Points points);

// Sum of squared distances from each point to its nearest centroid (k rows of points.dim).
double inertia_of(Points points, const std::vector<double>& centroids);

}  // namespace tripstream::kmeans
