// Boxes and region lists as text, so that tests compare answers with one EXPECT_EQ and print
// the difference readably.
#pragma once

#include <string>
#include <vector>

#include "support/weekly_average_oracle.hpp"
#include "tripstream/query/cell_counts_result.hpp"

namespace tripstream::test {

// "minLon minLat maxLon maxLat", each the shortest text that reads back as the same double.
inline std::string box_text(const GeoBox& b) {
    return shortest_double(b.min_lon) + " " + shortest_double(b.min_lat) + " " +
           shortest_double(b.max_lon) + " " + shortest_double(b.max_lat);
}

// One line per region: "name trips [box]".
inline std::string regions_text(const std::vector<query::RegionSummary>& regions) {
    std::string out;
    for (const auto& r : regions) {
        out += r.name + " " + std::to_string(r.trips);
        if (r.bbox) out += " " + box_text(*r.bbox);
        out += "\n";
    }
    return out;
}

}  // namespace tripstream::test
