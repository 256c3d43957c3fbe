// Ingestion counters for GET /metrics, in the Prometheus text format, from the status hub's
// latest snapshot (so a scrape costs no query).
#pragma once

#include <string>

#include "tripstream/api/status_hub.hpp"

namespace tripstream::api {

std::string ingestion_metrics(const StatusHub& hub);

}  // namespace tripstream::api
