// The global grid behind the pre-aggregated counts: cells of 0.01 x 0.01 degrees (about
// 1.1 km north-south, 0.7 km east-west at 50 degrees north), numbered row-major from
// (-180, -90): cell = row * 36000 + column. Fits an int32; every point maps to one cell.
#pragma once

#include <cstdint>

#include "tripstream/trip.hpp"

namespace tripstream {

inline constexpr int32_t kGridColumns = 36000;
inline constexpr int32_t kGridRows = 18000;
inline constexpr double kGridStepDegrees = 0.01;

struct GeoBox {
    double min_lon = 0;
    double min_lat = 0;
    double max_lon = 0;
    double max_lat = 0;
};

int32_t grid_cell(const GeoPoint& p);

// The cell's extent. A point on a shared edge may belong to either neighbour (floating-point
// rounding), so exact box queries treat cells touching the box edge as boundary cells.
GeoBox grid_cell_bounds(int32_t cell);

// 4-hour time-of-day bucket, 0..5, from microseconds since the epoch (UTC).
int16_t tod_bucket(int64_t time_us);

}  // namespace tripstream
