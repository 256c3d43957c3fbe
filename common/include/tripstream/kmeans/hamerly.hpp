// One run of Lloyd's algorithm from given centroids, accelerated with Hamerly's bounds
// (G. Hamerly, "Making k-means even faster", SDM 2010). Each point keeps an upper bound on
// the distance to its centroid and a lower bound on the distance to every other centroid;
// after centroids move by p_j the bounds are loosened by p_j instead of being recomputed,
// and a point whose upper bound is below max(lower bound, half the distance from its
// centroid to the nearest other centroid) cannot change cluster: its k distances are skipped.
#pragma once

#include <vector>

#include "tripstream/kmeans/kmeans.hpp"

namespace tripstream::kmeans {

class ThreadPool;

struct LloydSettings {
    int max_iter = 100;
    double tol_abs = 0;  // on the sum of squared centroid moves
};

// Runs to convergence or max_iter. The result's labels and inertia come from a last
// assignment against the final centroids (as scikit-learn does).
KMeansResult lloyd_hamerly(Points points, std::vector<double> centroids, int k,
                           const LloydSettings& settings, ThreadPool& pool);

}  // namespace tripstream::kmeans
