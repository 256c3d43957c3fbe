#include "tripstream/kmeans/features.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tripstream::kmeans {
namespace {

constexpr double kRadiansPerSecond = 2.0 * std::numbers::pi / static_cast<double>(kSecondsPerDay);

void time_features(double seconds, double radius, double* out) {
    const double angle = seconds * kRadiansPerSecond;
    out[0] = radius * std::sin(angle);
    out[1] = radius * std::cos(angle);
}

// Mean of all trip ends (origins and destinations) of a region's raw rows.
GeoPoint mean_position(const std::vector<double>& raw) {
    double lon = 0;
    double lat = 0;
    for (std::size_t r = 0; r < raw.size(); r += kFeatureDim) {
        lon += raw[r] + raw[r + 2];
        lat += raw[r + 1] + raw[r + 3];
    }
    const double ends = 2.0 * static_cast<double>(raw.size() / kFeatureDim);
    return {lon / ends, lat / ends};
}

}  // namespace

double FeatureScaling::time_radius() const {
    return metres_per_hour / (2.0 * std::sin(std::numbers::pi / 24.0));
}

LocalProjection::LocalProjection(GeoPoint centre)
    : centre_(centre),
      metres_per_degree_lon_(kMetresPerDegree * std::cos(centre.lat * std::numbers::pi / 180.0)) {}

void trip_features(const Trip& trip, const LocalProjection& projection, double time_radius,
                   double* out) {
    projection.to_metres(trip.origin, out[0], out[1]);
    projection.to_metres(trip.destination, out[2], out[3]);
    time_features(static_cast<double>(seconds_of_day(trip.time_us)), time_radius, out + 4);
}

double seconds_of_day_from_circle(double ts, double tc) {
    double s = std::atan2(ts, tc) / kRadiansPerSecond;
    if (s < 0) s += static_cast<double>(kSecondsPerDay);
    return s >= static_cast<double>(kSecondsPerDay) ? 0.0 : s;
}

void FeatureBuilder::add(const Trip& trip) {
    auto it = std::find_if(regions_.begin(), regions_.end(),
                           [&](const RegionFeatures& r) { return r.region == trip.region; });
    if (it == regions_.end())
        it = regions_.insert(regions_.end(), RegionFeatures{trip.region, {}, {}});
    const double row[kFeatureDim] = {trip.origin.lon,
                                     trip.origin.lat,
                                     trip.destination.lon,
                                     trip.destination.lat,
                                     static_cast<double>(seconds_of_day(trip.time_us)),
                                     0.0};
    it->values.insert(it->values.end(), row, row + kFeatureDim);
    ++count_;
}

std::vector<RegionFeatures> FeatureBuilder::finish() {
    const double radius = scaling_.time_radius();
    for (auto& region : regions_) {
        region.centre = mean_position(region.values);
        const LocalProjection projection(region.centre);
        for (std::size_t r = 0; r < region.values.size(); r += kFeatureDim) {
            double* row = &region.values[r];
            const double seconds = row[4];
            projection.to_metres({row[0], row[1]}, row[0], row[1]);
            projection.to_metres({row[2], row[3]}, row[2], row[3]);
            time_features(seconds, radius, row + 4);
        }
    }
    std::sort(regions_.begin(), regions_.end(),
              [](const RegionFeatures& a, const RegionFeatures& b) { return a.region < b.region; });
    count_ = 0;
    std::vector<RegionFeatures> out;
    out.swap(regions_);
    return out;
}

}  // namespace tripstream::kmeans
