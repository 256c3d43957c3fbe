#include "tripstream/kmeans/auto_k.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "tripstream/generator/random.hpp"
#include "tripstream/kmeans/centroid_table.hpp"

namespace tripstream::kmeans {
namespace {

// Kneedle on inertia(k): distance of each normalised point below the first-to-last chord.
void score_elbow(std::vector<KScore>& scores) {
    const KScore& first = scores.front();
    const KScore& last = scores.back();
    const double k_span = std::max(1, last.k - first.k);
    const double drop = first.inertia - last.inertia;
    for (KScore& s : scores) {
        const double x = (s.k - first.k) / k_span;
        const double y = drop > 0 ? (s.inertia - last.inertia) / drop : 1.0;  // 1 -> 0
        s.score = (1.0 - x) - y;
    }
}

std::vector<int32_t> nearest_labels(Points points, const std::vector<double>& centroids) {
    CentroidTable table;
    table.load(centroids.data(), static_cast<int>(centroids.size() / points.dim),
               static_cast<int>(points.dim));
    std::vector<int32_t> labels(points.size);
    for (std::size_t i = 0; i < points.size; ++i) {
        double unused;
        labels[i] = table.nearest<0>(points.row(i), unused);
    }
    return labels;
}

}  // namespace

std::string to_string(KCriterion criterion) {
    return criterion == KCriterion::silhouette ? "silhouette" : "elbow";
}

KCriterion criterion_from_string(const std::string& name) {
    if (name == "silhouette") return KCriterion::silhouette;
    if (name == "elbow") return KCriterion::elbow;
    throw std::invalid_argument("unknown k criterion '" + name +
                                "' (expected silhouette or elbow)");
}

std::vector<double> sample_rows(Points points, std::size_t m, uint64_t seed) {
    // Selection sampling (Knuth, algorithm S): one pass, keeps the original order.
    SplitMix64 rng(seed, 0x5E1EC7);
    std::vector<double> out;
    out.reserve(std::min(m, points.size) * points.dim);
    std::size_t needed = m;
    for (std::size_t i = 0; i < points.size && needed > 0; ++i) {
        const std::size_t left = points.size - i;
        if (static_cast<double>(left) * rng.uniform() < static_cast<double>(needed)) {
            out.insert(out.end(), points.row(i), points.row(i) + points.dim);
            --needed;
        }
    }
    return out;
}

double silhouette(Points points, const std::vector<int32_t>& labels, int k) {
    const std::size_t n = points.size;
    std::vector<std::size_t> cluster_size(static_cast<std::size_t>(k), 0);
    for (int32_t l : labels)
        ++cluster_size[static_cast<std::size_t>(l)];
    std::vector<double> sum(static_cast<std::size_t>(k));
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::fill(sum.begin(), sum.end(), 0.0);
        for (std::size_t j = 0; j < n; ++j)
            sum[static_cast<std::size_t>(labels[j])] += std::sqrt(
                squared_distance<0>(points.row(i), points.row(j), static_cast<int>(points.dim)));
        const auto own = static_cast<std::size_t>(labels[i]);
        if (cluster_size[own] < 2) continue;  // s = 0 for singletons
        const double a = sum[own] / static_cast<double>(cluster_size[own] - 1);
        double b = std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < sum.size(); ++c)
            if (c != own && cluster_size[c] > 0)
                b = std::min(b, sum[c] / static_cast<double>(cluster_size[c]));
        if (std::isfinite(b) && std::max(a, b) > 0) total += (b - a) / std::max(a, b);
    }
    return n > 0 ? total / static_cast<double>(n) : 0.0;
}

AutoKResult choose_k(Points points, const AutoKOptions& auto_k, const KMeansOptions& base,
                     ThreadPool& pool) {
    if (auto_k.k_min < 1 || auto_k.k_max < auto_k.k_min)
        throw std::invalid_argument("auto k: need 1 <= k_min <= k_max");
    const std::vector<double> fit_rows = sample_rows(points, auto_k.fit_sample, base.seed);
    const Points fit_points{fit_rows.data(), fit_rows.size() / points.dim, points.dim};
    const std::vector<double> sil_rows =
        sample_rows(fit_points, auto_k.silhouette_sample, base.seed + 1);
    const Points sil_points{sil_rows.data(), sil_rows.size() / points.dim, points.dim};

    AutoKResult result;
    const int k_max = std::min<int>(auto_k.k_max, static_cast<int>(fit_points.size));
    for (int k = auto_k.k_min; k <= k_max; ++k) {
        KMeansOptions options = base;
        options.k = k;
        const KMeansResult fitted = fit(fit_points, options, pool);
        KScore score{k, fitted.inertia, 0};
        if (auto_k.criterion == KCriterion::silhouette)
            score.score =
                k == 1 ? 0.0
                       : silhouette(sil_points, nearest_labels(sil_points, fitted.centroids), k);
        result.scores.push_back(score);
    }
    if (result.scores.empty()) throw std::invalid_argument("auto k: fewer points than k_min");
    if (auto_k.criterion == KCriterion::elbow) score_elbow(result.scores);
    const auto best =
        std::max_element(result.scores.begin(), result.scores.end(),
                         [](const KScore& a, const KScore& b) { return a.score < b.score; });
    result.k = best->k;
    return result;
}

}  // namespace tripstream::kmeans
