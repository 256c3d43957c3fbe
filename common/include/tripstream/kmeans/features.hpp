// Trip -> feature vector for clustering "similar trips" (same start area, same end area,
// same time of day). Six numbers, all in metres so that one distance mixes them sensibly:
//
//   ox, oy   origin, projected to local planar metres around the region's centre
//   dx, dy   destination, same projection
//   ts, tc   time of day as a point on a circle of radius R: (R sin θ, R cos θ), θ = 2π·s/86400
//
// The projection is equirectangular around the region's centre (x = Δlon·cos(lat0)·m/°,
// y = Δlat·m/°): within a city (tens of km) its distortion is well under 1%, and it is a
// few multiplications per point. The circle makes 23:55 and 00:05 ten minutes apart, not
// 23h50. R is set from FeatureScaling::metres_per_hour, see there.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "tripstream/kmeans/points.hpp"
#include "tripstream/trip.hpp"

namespace tripstream::kmeans {

inline constexpr int kFeatureDim = 6;
using FeatureRow = std::array<double, kFeatureDim>;

struct FeatureScaling {
    // How much time-of-day difference weighs against distance: two trips one hour apart
    // (and otherwise identical) are as far apart as two trips whose origins are this many
    // metres apart. With the default 1000, a trip 3 hours earlier counts like an origin
    // ~3 km away; the largest possible time difference (12 h) counts like ~7.7 km.
    double metres_per_hour = 1000;

    // Radius of the time circle: the chord between two times one hour apart,
    // 2R·sin(π/24), equals metres_per_hour.
    double time_radius() const;
};

// Equirectangular projection around a fixed centre, metres east (x) and north (y).
class LocalProjection {
  public:
    explicit LocalProjection(GeoPoint centre = {});

    GeoPoint centre() const { return centre_; }
    void to_metres(GeoPoint p, double& x, double& y) const {
        x = (p.lon - centre_.lon) * metres_per_degree_lon_;
        y = (p.lat - centre_.lat) * kMetresPerDegree;
    }
    GeoPoint to_geo(double x, double y) const {
        return {centre_.lon + x / metres_per_degree_lon_, centre_.lat + y / kMetresPerDegree};
    }

    // Metres per degree of latitude on a sphere of the mean Earth radius (6371.0088 km).
    static constexpr double kMetresPerDegree = 111'195.08;

  private:
    GeoPoint centre_;
    double metres_per_degree_lon_;
};

// Writes the 6 features of `trip` to out[0..5].
void trip_features(const Trip& trip, const LocalProjection& projection, double time_radius,
                   double* out);

// Time of day, seconds since midnight in [0, 86400), of a point (ts, tc) of the time
// circle (its angle; the radius does not matter).
double seconds_of_day_from_circle(double ts, double tc);

// All the training trips of one region as a feature matrix.
struct RegionFeatures {
    std::string region;
    GeoPoint centre;             // the projection centre
    std::vector<double> values;  // rows of kFeatureDim

    std::size_t size() const { return values.size() / kFeatureDim; }
    Points points() const { return {values.data(), size(), kFeatureDim}; }
};

// Collects trips, groups them by region, and turns them into features once every trip is
// in (the projection centre of a region is the mean of all its trip ends, known only then).
class FeatureBuilder {
  public:
    explicit FeatureBuilder(FeatureScaling scaling = {}) : scaling_(scaling) {}

    void add(const Trip& trip);
    std::size_t size() const { return count_; }

    // Regions sorted by name. The builder is left empty.
    std::vector<RegionFeatures> finish();

  private:
    FeatureScaling scaling_;
    // Per region, raw rows (origin lon, lat, destination lon, lat, seconds of day, unused)
    // that finish() rewrites in place into features: no second copy of the data.
    std::vector<RegionFeatures> regions_;
    std::size_t count_ = 0;
};

}  // namespace tripstream::kmeans
