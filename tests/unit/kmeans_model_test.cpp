// The model file: round trip, assignment, version id, and rejection of bad files.
#include "tripstream/kmeans/kmeans_model.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

namespace tripstream::kmeans {
namespace {

// Two regions: Prague with 2 clusters (morning trips north->south, evening trips back),
// Turin with 1.
KMeansModel small_model() {
    const FeatureScaling scaling{1000};
    const double r = scaling.time_radius();
    const double s8 = std::sin(2 * M_PI * 8 / 24) * r, c8 = std::cos(2 * M_PI * 8 / 24) * r;
    const double s18 = std::sin(2 * M_PI * 18 / 24) * r, c18 = std::cos(2 * M_PI * 18 / 24) * r;
    RegionModel prague{"Prague", {14.4378, 50.0755}, 300, 12.5, 7, {}};
    prague.clusters.push_back({0, 200, {0, 3000, 0, -3000, s8, c8}, {}, {}, 0, 0, {}});
    prague.clusters.push_back({0, 100, {0, -3000, 0, 3000, s18, c18}, {}, {}, 0, 0, {}});
    RegionModel turin{"Turin", {7.6869, 45.0703}, 50, 3.0, 2, {}};
    turin.clusters.push_back({0, 50, {0, 0, 0, 0, 0, 0}, {}, {}, 0, 0, {}});
    return KMeansModel(scaling, {prague, turin}, {{"seed", 1}}, "2024-01-02T03:04:05Z");
}

Trip trip(const std::string& region, GeoPoint from, GeoPoint to, int hour) {
    return {region, from, to, 1'514'764'800'000'000 + hour * 3'600'000'000LL, "test"};
}

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("tripstream-kmeans-" + name)).string();
}

TEST(KMeansModel, AssignsTripsToTheNearestClusterOfTheirRegion) {
    const KMeansModel m = small_model();
    EXPECT_EQ(m.cluster_count(), 3);
    const GeoPoint north{14.4378, 50.10}, south{14.4378, 50.05};
    EXPECT_EQ(m.assign(trip("Prague", north, south, 8)), 0);
    EXPECT_EQ(m.assign(trip("Prague", south, north, 18)), 1);
    // Trips from the centre to the centre: equally far from both in space, time decides.
    const GeoPoint centre{14.4378, 50.0755};
    EXPECT_EQ(m.assign(trip("Prague", centre, centre, 7)), 0);
    EXPECT_EQ(m.assign(trip("Prague", centre, centre, 19)), 1);
    // Turin trips land in Turin's cluster (id 2) even when they look like Prague's.
    EXPECT_EQ(m.assign(trip("Turin", north, south, 8)), 2);
    EXPECT_EQ(m.assign(trip("Lyon", north, south, 8)), std::nullopt);
    EXPECT_EQ(m.region_index("Turin"), 1);
    EXPECT_EQ(m.region_index("Lyon"), -1);
}

TEST(KMeansModel, DescribesClustersForPeople) {
    const KMeansModel m = small_model();
    const ClusterSummary& c = m.cluster(0);
    EXPECT_NEAR(c.origin.lat, 50.0755 + 3000 / LocalProjection::kMetresPerDegree, 1e-9);
    EXPECT_NEAR(c.typical_seconds, 8 * 3600, 1e-6);
    EXPECT_NEAR(c.time_concentration, 1.0, 1e-9);
    EXPECT_EQ(c.description,
              "Prague #0: 50.1025N 14.4378E -> 50.0485N 14.4378E around 08:00 UTC, 200 trips");
    EXPECT_EQ(m.cluster(2).time_concentration, 0.0);
}

TEST(KMeansModel, SaveAndLoadRoundTrip) {
    const KMeansModel m = small_model();
    const std::string path = temp_path("roundtrip.json");
    m.save(path);
    const KMeansModel back = KMeansModel::load(path);
    std::remove(path.c_str());
    EXPECT_EQ(back.version(), m.version());
    EXPECT_EQ(back.created_at(), "2024-01-02T03:04:05Z");
    EXPECT_EQ(back.to_json(), m.to_json());
    ASSERT_EQ(back.regions().size(), 2u);
    EXPECT_EQ(back.regions()[0].clusters[1].centroid, m.regions()[0].clusters[1].centroid);
    EXPECT_EQ(back.regions()[0].clusters[1].size, 100u);
    EXPECT_EQ(back.training()["seed"], 1);
}

TEST(KMeansModel, VersionIsAHashOfWhatAssignmentDependsOn) {
    const KMeansModel m = small_model();
    EXPECT_EQ(m.version().substr(0, 3), "km-");
    EXPECT_EQ(m.version().size(), 19u);
    EXPECT_EQ(small_model().version(), m.version());
    auto regions = m.regions();
    regions[0].clusters[0].centroid[0] += 1;
    EXPECT_NE(KMeansModel(m.scaling(), regions).version(), m.version());
    EXPECT_NE(KMeansModel(FeatureScaling{999}, m.regions()).version(), m.version());
}

std::string load_error(const std::function<void(nlohmann::json&)>& damage) {
    nlohmann::json doc = small_model().to_json();
    damage(doc);
    try {
        KMeansModel::from_json(doc, "m.json");
    } catch (const ModelError& e) {
        return e.what();
    }
    return "accepted";
}

TEST(KMeansModel, RejectsBadDocumentsWithClearMessages) {
    using J = nlohmann::json;
    EXPECT_EQ(load_error([](J& d) { d = J::array(); }),
              "m.json: document: expected a JSON object (a tripstream k-means model)");
    EXPECT_EQ(load_error([](J& d) { d["format"] = "other"; }),
              "m.json: format: expected \"tripstream-kmeans\", this is not a model");
    EXPECT_EQ(load_error([](J& d) { d["format_version"] = 2; }),
              "m.json: format_version: version 2 is not supported (this build reads 1)");
    EXPECT_EQ(load_error([](J& d) { d.erase("regions"); }), "m.json: regions: missing");
    EXPECT_EQ(load_error([](J& d) { d["regions"] = J::array(); }),
              "m.json: regions: the model has no region");
    EXPECT_EQ(load_error([](J& d) { d["regions"][0]["clusters"][1]["centroid"].erase(5); }),
              "m.json: regions[0].clusters[1].centroid: expected 6 numbers, got 5");
    EXPECT_EQ(load_error([](J& d) { d["regions"][0]["clusters"][0]["centroid"][2] = "x"; }),
              "m.json: regions[0].clusters[0].centroid[2]: expected a number, got \"x\"");
    EXPECT_EQ(load_error([](J& d) { d["regions"][1]["clusters"][0]["size"] = -4; }),
              "m.json: regions[1].clusters[0].size: expected a non-negative integer, got -4");
    EXPECT_EQ(load_error([](J& d) { d["regions"][1]["clusters"][0]["id"] = 7; }),
              "m.json: regions[1].clusters[0].id: 7 is out of range [2, 2]");
    EXPECT_EQ(load_error([](J& d) { d["regions"][1]["centre"]["lat"] = 95.0; }),
              "m.json: regions[1].centre.lat: 95.0 is out of range [-89.9, 89.9]");
    EXPECT_EQ(load_error([](J& d) { d["regions"][1]["name"] = "Prague"; }),
              "m.json: regions[1].name: region \"Prague\" appears twice");
    EXPECT_EQ(load_error([](J& d) { d["features"]["metres_per_hour"] = 0; }),
              "m.json: features.metres_per_hour: 0 is out of range [1e-09, 1000000000000.0]");
    const std::string edited =
        load_error([](J& d) { d["regions"][0]["clusters"][0]["centroid"][0] = 5.0; });
    EXPECT_NE(edited.find("m.json: version: \"km-"), std::string::npos) << edited;
    EXPECT_NE(edited.find("does not match the content"), std::string::npos) << edited;
}

TEST(KMeansModel, RejectsUnreadableFiles) {
    const std::string missing = temp_path("does-not-exist.json");
    try {
        KMeansModel::load(missing);
        FAIL();
    } catch (const ModelError& e) {
        EXPECT_EQ(std::string(e.what()), "model file " + missing + ": cannot open for reading");
    }
    const std::string path = temp_path("broken.json");
    std::ofstream(path) << "{\"format\": ";
    try {
        KMeansModel::load(path);
        FAIL();
    } catch (const ModelError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("model file " + path + ": not valid JSON (", 0), 0u)
            << e.what();
    }
    std::remove(path.c_str());
}

}  // namespace
}  // namespace tripstream::kmeans
