// Training a trip-clustering model: one k-means per region (a cluster never mixes cities),
// with k from the per-region table, the default k, or chosen automatically.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tripstream/kmeans/auto_k.hpp"
#include "tripstream/kmeans/features.hpp"
#include "tripstream/kmeans/kmeans.hpp"
#include "tripstream/kmeans/kmeans_model.hpp"

namespace tripstream::kmeans {

struct TrainOptions {
    KMeansOptions kmeans;                     // kmeans.k is the default k
    std::map<std::string, int> k_per_region;  // overrides, by region name
    // When set, regions without an override choose k in this range instead of kmeans.k.
    std::optional<AutoKOptions> auto_k;
    FeatureScaling scaling;
};

struct RegionReport {
    std::string region;
    std::size_t points = 0;
    int k = 0;
    bool k_reduced = false;  // fewer trips than the requested k: k = number of trips
    double inertia = 0;
    int iterations = 0;
    bool converged = false;
    Algorithm algorithm = Algorithm::lloyd;
    double pruned = 0;             // fraction of Lloyd distance computations skipped by the bounds
    double seconds = 0;            // wall time, including the choice of k
    std::vector<KScore> k_scores;  // when k was chosen automatically
};

struct TrainResult {
    KMeansModel model;
    std::vector<RegionReport> reports;
};

// `regions` must have the same scaling as options.scaling (FeatureBuilder(options.scaling)).
// Throws std::invalid_argument (bad options, no trips).
TrainResult train_model(const std::vector<RegionFeatures>& regions, const TrainOptions& options);

}  // namespace tripstream::kmeans
