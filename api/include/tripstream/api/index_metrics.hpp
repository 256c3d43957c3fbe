// The in-memory weekly-average index's and cell aggregate's state for GET /metrics
// (Prometheus text).
#pragma once

#include <string>

#include "tripstream/query/live_cell_counts.hpp"
#include "tripstream/query/live_trip_index.hpp"

namespace tripstream::api {

std::string index_metrics(const query::LiveTripIndexStats& stats);

// The in-memory cell aggregate's state (GET /v1/trips/cells, /v1/regions).
std::string cell_counts_metrics(const query::LiveCellCountsStats& stats);

}  // namespace tripstream::api
