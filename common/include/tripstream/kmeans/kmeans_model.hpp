// A trained trip-clustering model: per region, k centroids in feature space (see
// features.hpp), plus everything needed to use and to read it: feature scaling, a version id,
// creation time, cluster sizes and human-readable cluster descriptions. Stored as JSON.
//
// Cluster ids are unique across the whole model (region r's clusters are numbered after
// those of the regions before it), so one integer identifies a cluster; the version id
// says which model that integer belongs to.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tripstream/kmeans/centroid_table.hpp"
#include "tripstream/kmeans/features.hpp"
#include "tripstream/trip.hpp"

namespace tripstream::kmeans {

// A model file that cannot be read or is not a valid model; what() names the file and the
// offending field.
class ModelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ClusterSummary {
    int id = 0;         // unique in the model
    uint64_t size = 0;  // training points assigned to it
    FeatureRow centroid{};
    // Derived from the centroid, for people (not used by assign):
    GeoPoint origin;                // origin centroid, lon/lat
    GeoPoint destination;           // destination centroid, lon/lat
    double typical_seconds = 0;     // circular mean time of day, seconds since midnight UTC
    double time_concentration = 0;  // 1 = all at the same time of day, 0 = spread over the day
    std::string description;
};

struct RegionModel {
    std::string name;
    GeoPoint centre;      // the projection centre
    uint64_t points = 0;  // training trips
    double inertia = 0;
    int iterations = 0;
    std::vector<ClusterSummary> clusters;

    int k() const { return static_cast<int>(clusters.size()); }
};

class KMeansModel {
  public:
    static constexpr std::string_view kFormat = "tripstream-kmeans";
    static constexpr int kFormatVersion = 1;

    KMeansModel() = default;
    // Builds a model from trained regions: numbers the clusters, fills in the descriptions,
    // computes the version id. `training` is free-form metadata (options used) kept in the
    // file; `created_at` is an ISO 8601 UTC time (empty = now).
    KMeansModel(FeatureScaling scaling, std::vector<RegionModel> regions,
                nlohmann::json training = nlohmann::json::object(), std::string created_at = {});

    // Reads and validates a model file. Throws ModelError.
    static KMeansModel load(const std::string& path);
    // Validates a parsed document; `source` names it in error messages. Throws ModelError.
    static KMeansModel from_json(const nlohmann::json& document, const std::string& source);

    nlohmann::json to_json() const;
    void save(const std::string& path) const;  // throws ModelError

    // A content hash ("km-" + 16 hex digits) of the scaling and centroids: equal models
    // have equal versions, and any change to what assign() does changes it.
    const std::string& version() const { return version_; }
    const std::string& created_at() const { return created_at_; }
    const FeatureScaling& scaling() const { return scaling_; }
    const std::vector<RegionModel>& regions() const { return regions_; }
    const nlohmann::json& training() const { return training_; }
    int cluster_count() const;

    // Index of a region in regions(), or -1 when the model has none of that name.
    int region_index(std::string_view region) const;

    // The cluster id of a trip, or nullopt when the trip's region is not in the model (the
    // caller decides what to do with those and should count them). No allocation.
    std::optional<int> assign(const Trip& trip) const;
    // The same for a trip whose region index is already known (skips the name lookup).
    int assign(int region, const Trip& trip) const;
    // The cluster id of a feature row already in the frame of regions()[region].
    int assign_features(int region, const double* features) const;

    // The summary of cluster `id` (precondition: 0 <= id < cluster_count()).
    const ClusterSummary& cluster(int id) const;

  private:
    void compile();

    std::string version_;
    std::string created_at_;
    FeatureScaling scaling_;
    nlohmann::json training_ = nlohmann::json::object();
    std::vector<RegionModel> regions_;
    // Derived on construction and load, what assign() needs.
    double time_radius_ = 0;
    std::vector<LocalProjection> projections_;
    std::vector<CentroidTable> tables_;
    std::vector<int> first_id_;
    std::vector<std::pair<int, int>> by_id_;  // cluster id -> (region, index in region)
};

}  // namespace tripstream::kmeans
