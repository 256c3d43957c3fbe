#include "tripstream/kmeans/kmeans_model.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>

#include "tripstream/kmeans/json_fields.hpp"

namespace tripstream::kmeans {
namespace {

using nlohmann::json;

const char* const kFeatureNames[kFeatureDim] = {"origin_x_m",      "origin_y_m", "destination_x_m",
                                                "destination_y_m", "time_sin_m", "time_cos_m"};

std::string now_utc() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// FNV-1a, 64 bits: a stable content hash (std::hash is not stable across builds).
std::string content_hash(const std::string& text) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    char buf[24];
    std::snprintf(buf, sizeof buf, "km-%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string clock_time(double seconds) {
    const int minutes = static_cast<int>(std::lround(seconds / 60.0)) % (24 * 60);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
    return buf;
}

std::string lat_lon(GeoPoint p) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.4f%c %.4f%c", std::fabs(p.lat), p.lat < 0 ? 'S' : 'N',
                  std::fabs(p.lon), p.lon < 0 ? 'W' : 'E');
    return buf;
}

// Fills the human-readable fields of a cluster from its centroid.
void describe(const std::string& region, int index, const LocalProjection& projection,
              double time_radius, ClusterSummary& c) {
    const FeatureRow& f = c.centroid;
    c.origin = projection.to_geo(f[0], f[1]);
    c.destination = projection.to_geo(f[2], f[3]);
    c.typical_seconds = seconds_of_day_from_circle(f[4], f[5]);
    // The centroid of points on a circle lies inside it: its distance from the centre, as a
    // fraction of the radius, says how concentrated the cluster's times of day are.
    c.time_concentration = std::min(1.0, std::hypot(f[4], f[5]) / time_radius);
    c.description = region + " #" + std::to_string(index) + ": " + lat_lon(c.origin) + " -> " +
                    lat_lon(c.destination) + " around " + clock_time(c.typical_seconds) + " UTC, " +
                    std::to_string(c.size) + " trips";
}

json geo_json(GeoPoint p) {
    return {{"lon", p.lon}, {"lat", p.lat}};
}

GeoPoint geo_from(const JsonField& f) {
    return {f["lon"].number_in(-180, 180), f["lat"].number_in(-89.9, 89.9)};
}

// What the version hash covers: everything that decides assign()'s answer.
json assignment_content(const FeatureScaling& scaling, const std::vector<RegionModel>& regions) {
    json content = {{"format_version", KMeansModel::kFormatVersion},
                    {"metres_per_hour", scaling.metres_per_hour}};
    json& out = content["regions"] = json::array();
    for (const auto& r : regions) {
        json centroids = json::array();
        for (const auto& c : r.clusters)
            centroids.push_back(c.centroid);
        out.push_back({{"name", r.name}, {"centre", geo_json(r.centre)}, {"centroids", centroids}});
    }
    return content;
}

ClusterSummary cluster_from(const JsonField& f, int expected_id) {
    ClusterSummary c;
    c.id = static_cast<int>(f["id"].integer_in(expected_id, expected_id));
    c.size = f["size"].unsigned_integer();
    const JsonField centroid = f["centroid"];
    if (centroid.array_size() != kFeatureDim)
        centroid.fail("expected " + std::to_string(kFeatureDim) + " numbers, got " +
                      std::to_string(centroid.array_size()));
    for (std::size_t j = 0; j < kFeatureDim; ++j)
        c.centroid[j] = centroid[j].number();
    return c;
}

RegionModel region_from(const JsonField& f, int& next_id) {
    RegionModel r;
    r.name = f["name"].string();
    r.centre = geo_from(f["centre"]);
    r.points = f["points"].unsigned_integer();
    r.inertia = f["inertia"].number();
    r.iterations = static_cast<int>(f["iterations"].integer_in(0, INT32_MAX));
    const JsonField clusters = f["clusters"];
    if (clusters.array_size() == 0) clusters.fail("a region needs at least one cluster");
    for (std::size_t i = 0; i < clusters.array_size(); ++i)
        r.clusters.push_back(cluster_from(clusters[i], next_id++));
    return r;
}

}  // namespace

KMeansModel::KMeansModel(FeatureScaling scaling, std::vector<RegionModel> regions,
                         nlohmann::json training, std::string created_at)
    : created_at_(created_at.empty() ? now_utc() : std::move(created_at)),
      scaling_(scaling),
      training_(std::move(training)),
      regions_(std::move(regions)) {
    compile();
}

void KMeansModel::compile() {
    if (!(scaling_.metres_per_hour > 0) || !std::isfinite(scaling_.metres_per_hour))
        throw ModelError("model: metres_per_hour must be a positive number");
    time_radius_ = scaling_.time_radius();
    projections_.clear();
    tables_.clear();
    first_id_.clear();
    by_id_.clear();
    std::vector<double> flat;
    for (auto& region : regions_) {
        projections_.emplace_back(region.centre);
        first_id_.push_back(static_cast<int>(by_id_.size()));
        flat.clear();
        for (int i = 0; i < region.k(); ++i) {
            ClusterSummary& c = region.clusters[static_cast<std::size_t>(i)];
            c.id = static_cast<int>(by_id_.size());
            describe(region.name, i, projections_.back(), time_radius_, c);
            by_id_.emplace_back(static_cast<int>(projections_.size() - 1), i);
            flat.insert(flat.end(), c.centroid.begin(), c.centroid.end());
        }
        tables_.emplace_back().load(flat.data(), region.k(), kFeatureDim);
    }
    version_ = content_hash(assignment_content(scaling_, regions_).dump());
}

int KMeansModel::cluster_count() const {
    return static_cast<int>(by_id_.size());
}

const ClusterSummary& KMeansModel::cluster(int id) const {
    const auto [region, index] = by_id_[static_cast<std::size_t>(id)];
    return regions_[static_cast<std::size_t>(region)].clusters[static_cast<std::size_t>(index)];
}

int KMeansModel::region_index(std::string_view region) const {
    // A handful of regions: a linear scan beats hashing the name.
    for (std::size_t r = 0; r < regions_.size(); ++r)
        if (regions_[r].name == region) return static_cast<int>(r);
    return -1;
}

std::optional<int> KMeansModel::assign(const Trip& trip) const {
    const int r = region_index(trip.region);
    if (r < 0) return std::nullopt;
    return assign(r, trip);
}

int KMeansModel::assign(int region, const Trip& trip) const {
    double f[kFeatureDim];
    trip_features(trip, projections_[static_cast<std::size_t>(region)], time_radius_, f);
    return assign_features(region, f);
}

int KMeansModel::assign_features(int region, const double* features) const {
    const auto r = static_cast<std::size_t>(region);
    return first_id_[r] + tables_[r].nearest_index<kFeatureDim>(features);
}

nlohmann::json KMeansModel::to_json() const {
    json regions = json::array();
    for (const auto& r : regions_) {
        json clusters = json::array();
        for (const auto& c : r.clusters)
            clusters.push_back({{"id", c.id},
                                {"size", c.size},
                                {"centroid", c.centroid},
                                {"origin", geo_json(c.origin)},
                                {"destination", geo_json(c.destination)},
                                {"time_of_day", clock_time(c.typical_seconds)},
                                {"time_concentration", c.time_concentration},
                                {"description", c.description}});
        regions.push_back({{"name", r.name},
                           {"centre", geo_json(r.centre)},
                           {"k", r.k()},
                           {"points", r.points},
                           {"inertia", r.inertia},
                           {"iterations", r.iterations},
                           {"clusters", clusters}});
    }
    return {{"format", kFormat},
            {"format_version", kFormatVersion},
            {"version", version_},
            {"created_at", created_at_},
            {"features",
             {{"names", kFeatureNames},
              {"projection", "equirectangular"},
              {"metres_per_hour", scaling_.metres_per_hour},
              {"time_radius_m", time_radius_}}},
            {"training", training_},
            {"regions", regions}};
}

void KMeansModel::save(const std::string& path) const {
    std::ofstream out(path);
    if (!out) throw ModelError("model file " + path + ": cannot open for writing");
    out << to_json().dump(2) << '\n';
    if (!out.flush()) throw ModelError("model file " + path + ": write failed");
}

KMeansModel KMeansModel::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ModelError("model file " + path + ": cannot open for reading");
    json document;
    try {
        document = json::parse(in);
    } catch (const json::exception& e) {
        throw ModelError("model file " + path + ": not valid JSON (" + e.what() + ")");
    }
    return from_json(document, "model file " + path);
}

KMeansModel KMeansModel::from_json(const nlohmann::json& document, const std::string& source) {
    try {
        const JsonField root(document, source);
        if (!document.is_object()) root.fail("expected a JSON object (a tripstream k-means model)");
        if (root["format"].string() != kFormat)
            root["format"].fail("expected \"" + std::string(kFormat) + "\", this is not a model");
        const auto format_version = root["format_version"].integer_in(1, INT32_MAX);
        if (format_version != kFormatVersion)
            root["format_version"].fail("version " + std::to_string(format_version) +
                                        " is not supported (this build reads " +
                                        std::to_string(kFormatVersion) + ")");
        const JsonField features = root["features"];
        if (features["projection"].string() != "equirectangular")
            features["projection"].fail("only \"equirectangular\" is supported");
        FeatureScaling scaling;
        scaling.metres_per_hour = features["metres_per_hour"].number_in(1e-9, 1e12);

        const JsonField regions = root["regions"];
        if (regions.array_size() == 0) regions.fail("the model has no region");
        std::vector<RegionModel> parsed;
        std::set<std::string> names;
        int next_id = 0;
        for (std::size_t i = 0; i < regions.array_size(); ++i) {
            parsed.push_back(region_from(regions[i], next_id));
            if (!names.insert(parsed.back().name).second)
                regions[i]["name"].fail("region \"" + parsed.back().name + "\" appears twice");
        }
        json training = root.has("training") ? document["training"] : json::object();
        KMeansModel model(scaling, std::move(parsed), std::move(training),
                          root["created_at"].string());
        const std::string version = root["version"].string();
        if (version != model.version())
            root["version"].fail("\"" + version + "\" does not match the content (expected \"" +
                                 model.version() + "\"): the file was edited or damaged");
        return model;
    } catch (const JsonFieldError& e) {
        throw ModelError(e.what());
    }
}

}  // namespace tripstream::kmeans
