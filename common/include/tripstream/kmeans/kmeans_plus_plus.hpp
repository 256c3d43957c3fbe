// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with the "greedy" variant used by
// scikit-learn): each new centroid is the best of several candidates drawn with probability
// proportional to the squared distance to the nearest centroid chosen so far.
#pragma once

#include <cstdint>
#include <vector>

#include "tripstream/kmeans/points.hpp"

namespace tripstream {
class SplitMix64;
}

namespace tripstream::kmeans {

class ThreadPool;

// k rows of points.dim doubles. local_trials <= 0 means 2 + floor(ln k).
// `distances` is increased by the point-centroid distances computed.
std::vector<double> kmeans_plus_plus(Points points, int k, int local_trials, SplitMix64& rng,
                                     ThreadPool& pool, uint64_t& distances);

}  // namespace tripstream::kmeans
