// The domain type: one vehicle trip, as read from the input and stored in the database.
#pragma once

#include <cstdint>
#include <string>

namespace tripstream {

// A WGS84 position (EPSG:4326), longitude first as in WKT.
struct GeoPoint {
    double lon = 0;
    double lat = 0;
};

struct Trip {
    std::string region;
    GeoPoint origin;
    GeoPoint destination;
    int64_t time_us = 0;  // start time, microseconds since 1970-01-01T00:00:00Z
    std::string datasource;
};

// The one definition of these units (time/, geo/, query/ and the generator use them).
inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kSecondsPerDay = 86'400;

// The supported trip times, inclusive: 1900-01-01 00:00:00 UTC to 2199-12-31 23:59:59.999999
// UTC. The datetime parser accepts years 1900..2199 and rejects a UTC offset that moves a
// time outside; validate_trip rejects anything outside. Monthly partitions of
// tripstream.trips are named trips_YYYY_MM, which needs four-digit years; PostgreSQL itself
// would hold far more.
inline constexpr int64_t kMinTripTimeUs = -2'208'988'800LL * kMicrosPerSecond;
inline constexpr int64_t kMaxTripTimeUs = 7'258'118'400LL * kMicrosPerSecond - 1;

inline constexpr bool is_supported_trip_time(int64_t time_us) {
    return time_us >= kMinTripTimeUs && time_us <= kMaxTripTimeUs;
}

// Seconds since midnight UTC of the trip's start, in [0, 86400).
inline int64_t seconds_of_day(int64_t time_us) {
    int64_t s = time_us / kMicrosPerSecond;
    if (time_us < 0 && time_us % kMicrosPerSecond != 0) --s;
    int64_t r = s % kSecondsPerDay;
    return r < 0 ? r + kSecondsPerDay : r;
}

}  // namespace tripstream
