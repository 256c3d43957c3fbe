// GET /v1/trips/weekly-average: query string -> checked request -> the in-memory index (or,
// while it loads, the database engine) -> JSON. Every bad parameter is a 400 naming it.
// Answers of an index that lost the database carry the Tripstream-Index-State header, and
// every answer of the index the number of its snapshot (Tripstream-Index-Version).
// GET /v1/trips/weekly-average/events: the same question as a standing query, the answer
// pushed as Server-Sent Events whenever a new snapshot changes it (WeeklyAverageFeed).
#pragma once

#include <nlohmann/json.hpp>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

// On answers of the in-memory index from a snapshot that is not following the database (its
// connection was lost): "stale; since=2026-01-05T10:11:12Z".
inline constexpr const char* kIndexStateHeader = "Tripstream-Index-State";
// On answers of the in-memory index: the snapshot's number, as in the events' "snapshot".
inline constexpr const char* kIndexVersionHeader = "Tripstream-Index-Version";

// The time an index lost the database, RFC 3339 UTC in whole seconds.
std::string format_stale_since(double unix_seconds);

// Adds that header when `stale_since_unix_seconds` (the answering snapshot's) is set; every
// route answered from an in-memory snapshot uses it.
void add_index_state(http::HttpResponse& response, double stale_since_unix_seconds);

http::HttpResponse weekly_average(const ApiServices& services, const http::HttpRequest& request);

http::HttpResponse weekly_average_events(const ApiServices& services,
                                         const http::HttpRequest& request);

}  // namespace tripstream::api
