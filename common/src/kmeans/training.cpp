#include "tripstream/kmeans/training.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "tripstream/kmeans/thread_pool.hpp"

namespace tripstream::kmeans {
namespace {

nlohmann::json training_metadata(const TrainOptions& o) {
    nlohmann::json meta = {{"seed", o.kmeans.seed},
                           {"n_init", o.kmeans.n_init},
                           {"max_iter", o.kmeans.max_iter},
                           {"tol", o.kmeans.tol},
                           {"algorithm", to_string(o.kmeans.algorithm)},
                           {"default_k", o.kmeans.k},
                           {"k_per_region", o.k_per_region}};
    if (o.auto_k)
        meta["auto_k"] = {{"k_min", o.auto_k->k_min},
                          {"k_max", o.auto_k->k_max},
                          {"criterion", to_string(o.auto_k->criterion)}};
    return meta;
}

// The k for one region, and the scores when it was chosen automatically.
int region_k(const RegionFeatures& region, const TrainOptions& o, ThreadPool& pool,
             RegionReport& report) {
    if (const auto it = o.k_per_region.find(region.region); it != o.k_per_region.end())
        return it->second;
    if (!o.auto_k) return o.kmeans.k;
    AutoKResult chosen = choose_k(region.points(), *o.auto_k, o.kmeans, pool);
    report.k_scores = std::move(chosen.scores);
    return chosen.k;
}

RegionModel train_region(const RegionFeatures& region, const TrainOptions& o, ThreadPool& pool,
                         RegionReport& report) {
    const auto start = std::chrono::steady_clock::now();
    KMeansOptions options = o.kmeans;
    options.k = region_k(region, o, pool, report);
    if (region.size() < static_cast<std::size_t>(options.k)) {
        options.k = static_cast<int>(region.size());
        report.k_reduced = true;
    }
    const KMeansResult fitted = fit(region.points(), options, pool);

    RegionModel model{region.region,  region.centre,     region.size(),
                      fitted.inertia, fitted.iterations, {}};
    for (int c = 0; c < options.k; ++c) {
        ClusterSummary summary;
        summary.size = fitted.sizes[static_cast<std::size_t>(c)];
        std::copy_n(&fitted.centroids[static_cast<std::size_t>(c) * kFeatureDim], kFeatureDim,
                    summary.centroid.begin());
        model.clusters.push_back(summary);
    }
    report.region = region.region;
    report.points = region.size();
    report.k = options.k;
    report.inertia = fitted.inertia;
    report.iterations = fitted.iterations;
    report.converged = fitted.converged;
    report.algorithm = fitted.algorithm;
    report.pruned = fitted.distances_naive == 0
                        ? 0.0
                        : 1.0 - static_cast<double>(fitted.distances_computed) /
                                    static_cast<double>(fitted.distances_naive);
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return model;
}

}  // namespace

TrainResult train_model(const std::vector<RegionFeatures>& regions, const TrainOptions& options) {
    if (regions.empty()) throw std::invalid_argument("training: no trips");
    ThreadPool pool(options.kmeans.threads);
    std::vector<RegionModel> models;
    std::vector<RegionReport> reports;
    for (const auto& region : regions) {
        if (region.size() == 0) continue;
        reports.emplace_back();
        models.push_back(train_region(region, options, pool, reports.back()));
    }
    return {KMeansModel(options.scaling, std::move(models), training_metadata(options)),
            std::move(reports)};
}

}  // namespace tripstream::kmeans
