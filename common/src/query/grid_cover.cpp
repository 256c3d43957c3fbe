#include "tripstream/query/grid_cover.hpp"

namespace tripstream::query {
namespace {

struct Axis {
    double origin;  // coordinate of index 0's lower edge (-180 or -90)
    int32_t count;  // number of columns or rows
};

// Index i spans [origin + i * step, origin + (i + 1) * step], computed as grid_cell_bounds
// does; the clamp in grid_cell puts a point at exactly 180 (90) in the last index, which that
// upper edge covers.
double lower_edge(const Axis& axis, int32_t i) {
    return i * kGridStepDegrees + axis.origin - kCellEdgeMarginDegrees;
}
double upper_edge(const Axis& axis, int32_t i) {
    return (i + 1) * kGridStepDegrees + axis.origin + kCellEdgeMarginDegrees;
}

// The indexes satisfying `keep`, which by construction form one contiguous run.
template <typename Keep>
CellRange run_of(const Axis& axis, Keep keep) {
    CellRange range;
    for (int32_t i = 0; i < axis.count; ++i) {
        if (!keep(i)) continue;
        if (range.empty()) range.first = i;
        range.last = i;
    }
    return range;
}

// Scanning all 7200 columns costs microseconds and needs no inverse of the rounding.
CellRange inside_run(const Axis& axis, double min, double max) {
    return run_of(
        axis, [&](int32_t i) { return lower_edge(axis, i) >= min && upper_edge(axis, i) <= max; });
}

CellRange candidate_run(const Axis& axis, double min, double max) {
    return run_of(
        axis, [&](int32_t i) { return upper_edge(axis, i) >= min && lower_edge(axis, i) <= max; });
}

constexpr Axis kColumns{-180.0, kGridColumns};
constexpr Axis kRows{-90.0, kGridRows};
constexpr CellRange kAllColumns{0, kGridColumns - 1};
constexpr CellRange kAllRows{0, kGridRows - 1};

}  // namespace

bool GridCover::inside(int32_t cell) const {
    return inside_columns.contains(cell % kGridColumns) &&
           inside_rows.contains(cell / kGridColumns);
}

bool GridCover::candidate(int32_t cell) const {
    return candidate_columns.contains(cell % kGridColumns) &&
           candidate_rows.contains(cell / kGridColumns);
}

GridCover cover_box(const GeoBox& box) {
    return {inside_run(kColumns, box.min_lon, box.max_lon),
            inside_run(kRows, box.min_lat, box.max_lat),
            candidate_run(kColumns, box.min_lon, box.max_lon),
            candidate_run(kRows, box.min_lat, box.max_lat)};
}

GridCover cover_world() {
    return {kAllColumns, kAllRows, kAllColumns, kAllRows};
}

}  // namespace tripstream::query
