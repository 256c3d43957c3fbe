// Training a model on realistic generated trips: regions stay apart, determinism, k choice.
#include <gtest/gtest.h>

#include <cmath>

#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/kmeans/training.hpp"

namespace tripstream::kmeans {
namespace {

std::vector<Trip> generated_trips(std::size_t n, uint64_t seed) {
    GeneratorOptions options;
    options.seed = seed;
    const TripGenerator gen(options);
    std::vector<Trip> trips(n);
    for (std::size_t i = 0; i < n; ++i)
        gen.generate(i, trips[i]);
    return trips;
}

std::vector<RegionFeatures> features_of(const std::vector<Trip>& trips) {
    FeatureBuilder builder;
    for (const Trip& t : trips)
        builder.add(t);
    return builder.finish();
}

TrainOptions options(int k, uint64_t seed = 42) {
    TrainOptions o;
    o.kmeans.k = k;
    o.kmeans.seed = seed;
    return o;
}

TEST(KMeansTraining, ClustersNeverMixRegions) {
    // Two regions on exactly the same spot: only the region name tells their trips apart.
    std::vector<Trip> trips = generated_trips(4000, 3);
    std::vector<Trip> twins;
    for (const Trip& t : trips)
        if (t.region == "Prague") twins.push_back(t), twins.back().region = "Prague-twin";
    trips.insert(trips.end(), twins.begin(), twins.end());
    const TrainResult r = train_model(features_of(trips), options(5));
    const KMeansModel& m = r.model;
    ASSERT_EQ(m.regions().size(), 7u);
    std::vector<int> first(m.regions().size() + 1, 0);
    for (std::size_t i = 0; i < m.regions().size(); ++i)
        first[i + 1] = first[i] + m.regions()[i].k();
    for (const Trip& t : trips) {
        const int region = m.region_index(t.region);
        const int id = m.assign(t).value();
        EXPECT_GE(id, first[region]);
        EXPECT_LT(id, first[region + 1]);
    }
    // Every cluster's ends lie in its own city (within 30 km of the region centre).
    for (const RegionModel& region : m.regions())
        for (const ClusterSummary& c : region.clusters)
            EXPECT_LT(
                std::hypot(c.origin.lon - region.centre.lon, c.origin.lat - region.centre.lat), 0.4)
                << c.description;
}

TEST(KMeansTraining, ModelAssignsTheExactNearestCentroid) {
    // assign() uses the expanded |c|^2/2 - x.c search: it must agree with plain distances.
    const std::vector<Trip> trips = generated_trips(5000, 8);
    const TrainResult r = train_model(features_of(trips), options(16));
    for (const Trip& t : trips) {
        const int region = r.model.region_index(t.region);
        const RegionModel& rm = r.model.regions()[static_cast<std::size_t>(region)];
        double f[kFeatureDim];
        trip_features(t, LocalProjection(rm.centre), r.model.scaling().time_radius(), f);
        int best = -1;
        double best_d = INFINITY;
        for (const ClusterSummary& c : rm.clusters) {
            double d = 0;
            for (int j = 0; j < kFeatureDim; ++j)
                d += (f[j] - c.centroid[j]) * (f[j] - c.centroid[j]);
            if (d < best_d) best_d = d, best = c.id;
        }
        ASSERT_EQ(r.model.assign(t), best);
    }
}

TEST(KMeansTraining, SameSeedSameModel) {
    const auto regions = features_of(generated_trips(6000, 4));
    const TrainResult a = train_model(regions, options(6, 11));
    const TrainResult b = train_model(regions, options(6, 11));
    EXPECT_EQ(a.model.version(), b.model.version());
    EXPECT_EQ(a.model.regions()[0].clusters[3].centroid, b.model.regions()[0].clusters[3].centroid);
    EXPECT_NE(train_model(regions, options(6, 12)).model.version(), a.model.version());
}

TEST(KMeansTraining, ReportsEveryRegionAndPrunesMostDistances) {
    const TrainResult r = train_model(features_of(generated_trips(30000, 5)), options(16));
    ASSERT_EQ(r.reports.size(), 6u);
    std::size_t points = 0;
    for (const RegionReport& rep : r.reports) {
        points += rep.points;
        EXPECT_EQ(rep.k, 16);
        EXPECT_GT(rep.iterations, 1);
        EXPECT_GT(rep.inertia, 0);
        EXPECT_GT(rep.pruned, 0.5) << rep.region;  // Hamerly skips most distances
    }
    EXPECT_EQ(points, 30000u);
}

TEST(KMeansTraining, FindsTheMorningCommute) {
    // The generator sends 35% of weekday trips home -> work around 08:00 (sigma 45 min);
    // some cluster must sit there with concentrated times.
    const TrainResult r = train_model(features_of(generated_trips(20000, 6)), options(12));
    int morning = 0;
    for (const ClusterSummary& c : r.model.regions()[0].clusters)
        morning += std::fabs(c.typical_seconds - 8 * 3600) < 1800 && c.time_concentration > 0.8;
    EXPECT_GE(morning, 1);
}

TEST(KMeansTraining, KPerRegionAutomaticOrReduced) {
    TrainOptions o = options(4);
    o.k_per_region["Turin"] = 7;
    o.k_per_region["Tiny"] = 3;
    o.auto_k = AutoKOptions{2, 5, KCriterion::elbow, 5000, 500};
    std::vector<Trip> trips = generated_trips(3000, 7);
    trips.push_back(trips[0]);
    trips.back().region = "Tiny";
    trips.push_back(trips[1]);
    trips.back().region = "Tiny";
    const TrainResult r = train_model(features_of(trips), o);
    for (const RegionReport& rep : r.reports) {
        if (rep.region == "Turin") {
            EXPECT_EQ(rep.k, 7);
            EXPECT_TRUE(rep.k_scores.empty());
        } else if (rep.region == "Tiny") {
            EXPECT_EQ(rep.k, 2);
            EXPECT_TRUE(rep.k_reduced);
        } else {
            EXPECT_EQ(rep.k_scores.size(), 4u) << rep.region;
            EXPECT_GE(rep.k, 2);
            EXPECT_LE(rep.k, 5);
        }
    }
}

}  // namespace
}  // namespace tripstream::kmeans
