#include "tripstream/query/coarse_grid.hpp"

#include <algorithm>
#include <cmath>

namespace tripstream::query {
namespace {

// The fine column (or row) whose [line k, line k + 1) holds `v`, the last one closed: start
// from the floating-point estimate and step until the exact edges agree, so that a value on a
// grid line belongs to the cell east (north) of it.
int32_t fine_index(double v, int32_t count, double (*line)(int32_t)) {
    auto k = static_cast<int32_t>(std::floor((v - line(0)) * 20.0));
    k = std::clamp(k, 0, count - 1);
    while (k + 1 < count && line(k + 1) <= v)
        ++k;
    while (k > 0 && line(k) > v)
        --k;
    return k;
}

}  // namespace

double grid_line_lon(int32_t k) {
    return static_cast<double>(k - kGridColumns / 2) / 20.0;
}

double grid_line_lat(int32_t k) {
    return static_cast<double>(k - kGridRows / 2) / 20.0;
}

double CoarseGrid::west(int32_t column) const {
    return grid_line_lon(column * step_);
}

double CoarseGrid::south(int32_t row) const {
    return grid_line_lat(row * step_);
}

double CoarseGrid::degrees() const {
    return static_cast<double>(step_) / 20.0;
}

CoarseWindow CoarseGrid::window(const std::optional<GeoBox>& box) const {
    if (!box) return {0, columns() - 1, 0, rows() - 1};
    return {fine_index(box->min_lon, kGridColumns, grid_line_lon) / step_,
            fine_index(box->max_lon, kGridColumns, grid_line_lon) / step_,
            fine_index(box->min_lat, kGridRows, grid_line_lat) / step_,
            fine_index(box->max_lat, kGridRows, grid_line_lat) / step_};
}

}  // namespace tripstream::query
