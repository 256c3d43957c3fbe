#include "tripstream/geo/grid_cell.hpp"

#include <algorithm>
#include <cmath>

namespace tripstream {

int32_t grid_cell(const GeoPoint& p) {
    const auto col = static_cast<int32_t>(std::floor((p.lon + 180.0) / kGridStepDegrees));
    const auto row = static_cast<int32_t>(std::floor((p.lat + 90.0) / kGridStepDegrees));
    return std::clamp(row, 0, kGridRows - 1) * kGridColumns + std::clamp(col, 0, kGridColumns - 1);
}

GeoBox grid_cell_bounds(int32_t cell) {
    const int32_t row = cell / kGridColumns;
    const int32_t col = cell % kGridColumns;
    return {col * kGridStepDegrees - 180.0, row * kGridStepDegrees - 90.0,
            (col + 1) * kGridStepDegrees - 180.0, (row + 1) * kGridStepDegrees - 90.0};
}

int16_t tod_bucket(int64_t time_us) {
    return static_cast<int16_t>(seconds_of_day(time_us) / (4 * 3600));
}

}  // namespace tripstream
