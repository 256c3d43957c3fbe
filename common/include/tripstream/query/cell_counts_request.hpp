// The map-density question (GET /v1/trips/cells): how many trips start (or end) in each block
// of the grid (coarse_grid.hpp), over a range of ISO weeks, for one region or all, within a
// box or everywhere. Parsing turns the raw query-string values into a checked request or
// names the parameter that is wrong; ranges and boxes are checked as the weekly average
// checks them (parse_week_range, parse_bbox).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tripstream/geo/grid_cell.hpp"
#include "tripstream/query/weekly_average_request.hpp"

namespace tripstream::query {

// Which end of the trips is counted.
enum class CellEnd { origin, destination };

std::string_view cell_end_name(CellEnd end);

struct CellCountsRequest {
    std::optional<std::string> region = std::nullopt;  // nullopt: every region
    CellEnd end = CellEnd::origin;
    std::optional<int64_t> from_days = std::nullopt;  // widened to its ISO week's Monday
    std::optional<int64_t> to_days = std::nullopt;    // widened to its ISO week's Sunday
    int step = 1;                                     // block size in 0.05-degree cells
    std::optional<GeoBox> bbox = std::nullopt;        // only blocks sharing a point with it
};

// The query-string values as received; nullopt when the parameter is absent.
struct CellCountsParams {
    std::optional<std::string> region = std::nullopt;
    std::optional<std::string> from = std::nullopt;
    std::optional<std::string> to = std::nullopt;
    std::optional<std::string> end = std::nullopt;
    std::optional<std::string> step = std::nullopt;
    std::optional<std::string> bbox = std::nullopt;
};

std::variant<CellCountsRequest, ParameterError> parse_cell_counts_request(
    const CellCountsParams& params);

}  // namespace tripstream::query
