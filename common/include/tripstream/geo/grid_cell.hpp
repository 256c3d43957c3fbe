// The global grid behind the pre-aggregated counts: cells of 0.05 x 0.05 degrees (about
// 5.6 km north-south, 3.6 km east-west at 50 degrees north), numbered row-major from
// (-180, -90): cell = row * 7200 + column. Every point maps to one cell. The size is a
// measured trade-off (docs/data-model.md): finer cells make the aggregate nearly as large as
// the raw table; coarser ones leave more trips in boundary cells.
#pragma once

#include <cstdint>

#include "tripstream/trip.hpp"

namespace tripstream {

inline constexpr int32_t kGridColumns = 7200;
inline constexpr int32_t kGridRows = 3600;
inline constexpr double kGridStepDegrees = 0.05;

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
