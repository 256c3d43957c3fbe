// The in-memory weekly-average index's state for GET /metrics (Prometheus text).
#pragma once

#include <string>

#include "tripstream/query/live_trip_index.hpp"

namespace tripstream::api {

std::string index_metrics(const query::LiveTripIndexStats& stats);

}  // namespace tripstream::api
