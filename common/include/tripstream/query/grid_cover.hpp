// How a bounding box covers the 0.05-degree aggregate grid (tripstream/geo/grid_cell.hpp).
// Every grid column (and row) is either inside the box (every point the ingestion can have
// assigned to it lies in the box), a candidate (some such point may lie in the box), or
// outside. Inside columns x inside rows are the cells the aggregate answers exactly; the
// other candidate cells form the boundary ring whose trips need their raw coordinates.
#pragma once

#include <cstdint>

#include "tripstream/geo/grid_cell.hpp"

namespace tripstream::query {

// Widening of every cell edge before comparing it with the box. grid_cell's floor((x + 180) /
// 0.05) is off from the exact cell by less than 1e-12 of a cell (5e-14 degrees), so a point
// on or next to a grid line may land on either side; this margin is far above that error
// and far below any meaningful coordinate difference (0.1 mm).
inline constexpr double kCellEdgeMarginDegrees = 1e-9;

// Inclusive index range; empty when first > last.
struct CellRange {
    int32_t first = 0;
    int32_t last = -1;

    bool empty() const { return first > last; }
    bool contains(int32_t i) const { return first <= i && i <= last; }
};

struct GridCover {
    CellRange inside_columns;
    CellRange inside_rows;
    CellRange candidate_columns;
    CellRange candidate_rows;

    bool inside(int32_t cell) const;
    bool candidate(int32_t cell) const;
};

GridCover cover_box(const GeoBox& box);

// No box: every cell is inside (the aggregate alone answers).
GridCover cover_world();

}  // namespace tripstream::query
