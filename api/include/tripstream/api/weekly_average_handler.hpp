// GET /v1/trips/weekly-average: query string -> checked request -> the in-memory index (or,
// while it loads, the database engine) -> JSON. Every bad parameter is a 400 naming it.
// Answers of an index that lost the database carry the Tripstream-Index-State header.
#pragma once

#include <nlohmann/json.hpp>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

// On answers of the in-memory index from a snapshot that is not following the database (its
// connection was lost): "stale; since=2026-01-05T10:11:12Z".
inline constexpr const char* kIndexStateHeader = "Tripstream-Index-State";

nlohmann::json weekly_average_json(const query::WeeklyAverageResult& result);

http::HttpResponse weekly_average(const ApiServices& services, const http::HttpRequest& request);

}  // namespace tripstream::api
