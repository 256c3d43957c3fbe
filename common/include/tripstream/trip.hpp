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

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kSecondsPerDay = 86'400;

// Seconds since midnight UTC of the trip's start, in [0, 86400).
inline int64_t seconds_of_day(int64_t time_us) {
    int64_t s = time_us / kMicrosPerSecond;
    if (time_us < 0 && time_us % kMicrosPerSecond != 0) --s;
    int64_t r = s % kSecondsPerDay;
    return r < 0 ? r + kSecondsPerDay : r;
}

}  // namespace tripstream
