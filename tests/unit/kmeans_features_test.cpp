// Trip features: local projection in metres, time of day on a circle.
#include <gtest/gtest.h>

#include <cmath>

#include "tripstream/kmeans/features.hpp"

namespace tripstream::kmeans {
namespace {

constexpr int64_t kDay0 = 1'514'764'800'000'000;  // 2018-01-01T00:00:00Z

Trip trip_at(int hours, int minutes, GeoPoint origin = {14.4378, 50.0755}) {
    Trip t;
    t.region = "Prague";
    t.origin = origin;
    t.destination = origin;
    t.time_us = kDay0 + (hours * 3600LL + minutes * 60LL) * kMicrosPerSecond;
    return t;
}

FeatureRow features_of(const Trip& t, FeatureScaling scaling = {}) {
    FeatureRow f;
    trip_features(t, LocalProjection({14.4378, 50.0755}), scaling.time_radius(), f.data());
    return f;
}

double distance(const FeatureRow& a, const FeatureRow& b) {
    double s = 0;
    for (int j = 0; j < kFeatureDim; ++j)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return std::sqrt(s);
}

TEST(KMeansFeatures, TimeOfDayWrapsAroundMidnight) {
    const double across_midnight =
        distance(features_of(trip_at(23, 55)), features_of(trip_at(0, 5)));
    const double at_noon = distance(features_of(trip_at(12, 0)), features_of(trip_at(12, 10)));
    EXPECT_NEAR(across_midnight, at_noon, 1e-6);
    EXPECT_LT(across_midnight, 200.0);  // ten minutes: ~1/6 of the 1000 m an hour is worth
    EXPECT_GT(distance(features_of(trip_at(23, 55)), features_of(trip_at(12, 0))), 7000.0);
}

TEST(KMeansFeatures, OneHourIsWorthMetresPerHour) {
    for (double weight : {250.0, 1000.0, 4000.0}) {
        const FeatureScaling s{weight};
        EXPECT_NEAR(distance(features_of(trip_at(7, 30), s), features_of(trip_at(8, 30), s)),
                    weight, 1e-6 * weight);
    }
}

TEST(KMeansFeatures, SecondsOfDayComeBackFromTheCircle) {
    for (int minutes : {0, 1, 359, 720, 1439}) {
        const FeatureRow f = features_of(trip_at(0, minutes));
        EXPECT_NEAR(seconds_of_day_from_circle(f[4], f[5]), minutes * 60.0, 1e-6) << minutes;
    }
}

TEST(KMeansFeatures, ProjectionIsInLocalMetres) {
    const LocalProjection p({14.4378, 50.0755});
    double x, y;
    p.to_metres({14.4378, 50.0855}, x, y);  // 0.01 degree north
    EXPECT_NEAR(x, 0.0, 1e-9);
    EXPECT_NEAR(y, 1111.95, 0.01);
    p.to_metres({14.4478, 50.0755}, x, y);  // 0.01 degree east: shorter by cos(latitude)
    EXPECT_NEAR(x, 1111.95 * std::cos(50.0755 * M_PI / 180), 0.01);
    const GeoPoint back = p.to_geo(-2500, 1800);
    p.to_metres(back, x, y);
    EXPECT_NEAR(x, -2500, 1e-6);
    EXPECT_NEAR(y, 1800, 1e-6);
}

TEST(KMeansFeatures, BuilderGroupsByRegionAroundTheMeanPosition) {
    FeatureBuilder builder;
    Trip a = trip_at(8, 0, {10.0, 50.0});
    a.destination = {10.2, 50.2};
    a.region = "Zeta";
    Trip b = trip_at(9, 0, {2.0, 41.0});
    b.region = "Alpha";
    builder.add(a);
    builder.add(b);
    builder.add(a);
    EXPECT_EQ(builder.size(), 3u);
    const auto regions = builder.finish();
    ASSERT_EQ(regions.size(), 2u);
    EXPECT_EQ(regions[0].region, "Alpha");  // sorted by name
    EXPECT_EQ(regions[1].region, "Zeta");
    EXPECT_EQ(regions[1].size(), 2u);
    EXPECT_NEAR(regions[1].centre.lon, 10.1, 1e-12);
    EXPECT_NEAR(regions[1].centre.lat, 50.1, 1e-12);
    // Origin and destination symmetric about the centre.
    EXPECT_NEAR(regions[1].values[0], -regions[1].values[2], 1e-6);
    EXPECT_LT(regions[1].values[1], -10000.0);
    EXPECT_EQ(builder.size(), 0u);
}

}  // namespace
}  // namespace tripstream::kmeans
