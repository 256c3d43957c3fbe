// The map's grid for GET /v1/trips/cells: blocks of step x step cells of the global 0.05-degree
// grid (geo/grid_cell.hpp), aligned to it from (-180, -90), so that a zoomed-out map asks for
// few, large cells and every block is a whole number of the cells trip_cell_counts stores.
// Counting trips per block is then exact: a trip's block is a function of its stored cell.
//
// Cell edges are the doubles nearest to the decimal grid lines (k / 20 - 180 degrees, computed
// as (k - 3600) / 20.0: one correctly rounded division), so a box edge typed as a grid line
// ("14.35") lies exactly on it. A cell covers [west, east) x [south, north) (the easternmost
// column and northernmost row also their east and north edges, 180 and 90), as grid_cell()
// puts points into cells.
#pragma once

#include <cstdint>
#include <optional>

#include "tripstream/geo/grid_cell.hpp"

namespace tripstream::query {

inline constexpr int kMaxCellStep = 400;  // 400 x 0.05 = 20 degrees: 18 x 9 blocks cover the globe

// Which blocks a request covers: columns and rows of the coarse grid, both ends included.
struct CoarseWindow {
    int32_t first_column = 0;
    int32_t last_column = 0;
    int32_t first_row = 0;
    int32_t last_row = 0;

    bool contains(int32_t column, int32_t row) const {
        return column >= first_column && column <= last_column && row >= first_row &&
               row <= last_row;
    }
};

class CoarseGrid {
  public:
    explicit CoarseGrid(int step) : step_(step) {}

    int step() const { return step_; }
    int32_t columns() const { return (kGridColumns + step_ - 1) / step_; }
    int32_t rows() const { return (kGridRows + step_ - 1) / step_; }

    // The block of a stored cell (row * 7200 + column).
    int32_t column_of(int32_t cell) const { return cell % kGridColumns / step_; }
    int32_t row_of(int32_t cell) const { return cell / kGridColumns / step_; }

    // A block's west and south edges in degrees.
    double west(int32_t column) const;
    double south(int32_t row) const;
    // The block size in degrees (0.05 * step); the last column and row may be cut by the 180th
    // meridian and the north pole.
    double degrees() const;

    // The blocks that share a point with `box` (edges included); the whole grid without one.
    CoarseWindow window(const std::optional<GeoBox>& box) const;

  private:
    int step_;
};

// The fine grid's line k (0..7200 columns, 0..3600 rows) in degrees.
double grid_line_lon(int32_t k);
double grid_line_lat(int32_t k);

}  // namespace tripstream::query
