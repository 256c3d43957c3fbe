// A trip as the in-memory weekly-average index holds it: only what the question needs (the
// region, the ISO week and the two ends), with the coordinates as the very doubles PostGIS
// stores, so that the index compares exactly what PostgreSQL compares.
#pragma once

#include <cstdint>

#include "tripstream/trip.hpp"

namespace tripstream::query {

struct IndexedTrip {
    int16_t region_id = 0;
    int32_t week = 0;  // Monday of the trip's ISO week (UTC), days since 1970-01-01
    GeoPoint origin;
    GeoPoint destination;
};

// IndexedTrip::week for a start time in microseconds since the epoch (UTC): the same week
// PostgreSQL's date_trunc('week', trip_time AT TIME ZONE 'UTC') gives. Throws
// std::out_of_range for times whose week does not fit (PostgreSQL's +-infinity).
int32_t trip_week(int64_t time_us);

}  // namespace tripstream::query
