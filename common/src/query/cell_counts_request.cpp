#include "tripstream/query/cell_counts_request.hpp"

#include <charconv>

#include "tripstream/query/coarse_grid.hpp"

namespace tripstream::query {

std::string_view cell_end_name(CellEnd end) {
    return end == CellEnd::origin ? "origin" : "destination";
}

std::variant<CellCountsRequest, ParameterError> parse_cell_counts_request(
    const CellCountsParams& params) {
    CellCountsRequest r;
    if (params.region) {
        if (params.region->empty()) return ParameterError{"region", "must not be empty"};
        r.region = params.region;
    }
    if (auto e = parse_week_range(params.from, params.to, r.from_days, r.to_days)) return *e;
    if (params.end) {
        if (*params.end == "origin") {
            r.end = CellEnd::origin;
        } else if (*params.end == "destination") {
            r.end = CellEnd::destination;
        } else {
            return ParameterError{"end", "expected origin or destination"};
        }
    }
    if (params.step) {
        // Digits only: from_chars alone would take "-1" and stop quietly at "2x".
        const std::string& s = *params.step;
        int step = 0;
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
        if (s.empty() || s.front() == '-' || ec != std::errc{} || ptr != s.data() + s.size() ||
            step < 1 || step > kMaxCellStep) {
            return ParameterError{"step", "expected an integer from 1 to " +
                                              std::to_string(kMaxCellStep) +
                                              " (cells of 0.05 degrees per block side), got '" +
                                              s.substr(0, 40) + "'"};
        }
        r.step = step;
    }
    if (params.bbox) {
        auto box = parse_bbox(*params.bbox);
        if (auto* message = std::get_if<std::string>(&box)) return ParameterError{"bbox", *message};
        r.bbox = std::get<GeoBox>(box);
    }
    return r;
}

}  // namespace tripstream::query
