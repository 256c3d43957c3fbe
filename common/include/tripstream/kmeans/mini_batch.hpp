// Mini-batch k-means (D. Sculley, "Web-scale k-means clustering", WWW 2010) for inputs too
// large for exact Lloyd iterations: each step assigns a random batch of points and moves
// each centroid towards its batch members with a per-centroid learning rate 1/count.
// Initialisation: the best of n_init k-means++ runs on a random sample of 3 batches.
// Stops after max_no_improvement batches without a better smoothed batch inertia, or after
// max_iter passes' worth of batches. Clusters that stop receiving points are re-seeded from
// the point of the current batch farthest from its centroid.
#pragma once

#include "tripstream/kmeans/kmeans.hpp"

namespace tripstream::kmeans {

class ThreadPool;

KMeansResult mini_batch_kmeans(Points points, const KMeansOptions& options, ThreadPool& pool);

}  // namespace tripstream::kmeans
