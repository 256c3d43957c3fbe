// Choosing k automatically within a range [k_min, k_max].
//
// Each candidate k is trained on a random sample of the region (fit_sample points) and
// scored by one of two criteria:
//  - silhouette (default): the mean silhouette coefficient s = (b - a) / max(a, b) of a
//    smaller random sample (silhouette_sample points; a = mean distance to the point's own
//    cluster, b = to the nearest other cluster). Highest wins; ties go to the smaller k.
//    It rewards compact, well-separated clusters and needs no tuning.
//  - elbow: the "knee" of the inertia curve (Satopää et al., Kneedle): with k and inertia
//    both scaled to [0, 1], the k whose inertia lies farthest below the straight line from
//    (k_min, inertia(k_min)) to (k_max, inertia(k_max)). It favours the point after which
//    adding clusters stops paying off.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tripstream/kmeans/kmeans.hpp"

namespace tripstream::kmeans {

class ThreadPool;

enum class KCriterion { silhouette, elbow };

std::string to_string(KCriterion criterion);
KCriterion criterion_from_string(const std::string& name);  // throws std::invalid_argument

struct AutoKOptions {
    int k_min = 2;
    int k_max = 16;
    KCriterion criterion = KCriterion::silhouette;
    std::size_t fit_sample = 200'000;
    std::size_t silhouette_sample = 2'000;
};

struct KScore {
    int k = 0;
    double inertia = 0;  // on the fit sample
    double score = 0;    // silhouette, or distance below the chord for elbow
};

struct AutoKResult {
    int k = 0;
    std::vector<KScore> scores;  // one per candidate k, ascending
};

AutoKResult choose_k(Points points, const AutoKOptions& auto_k, const KMeansOptions& base,
                     ThreadPool& pool);

// Mean silhouette coefficient of `points` labelled `labels` (exact, O(n^2)); clusters of a
// single point count 0, as in scikit-learn.
double silhouette(Points points, const std::vector<int32_t>& labels, int k);

// A uniform random sample of m rows (all rows if m >= size), in their original order.
std::vector<double> sample_rows(Points points, std::size_t m, uint64_t seed);

}  // namespace tripstream::kmeans
