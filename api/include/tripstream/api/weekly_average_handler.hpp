// GET /v1/trips/weekly-average: query string -> checked request -> the in-memory index (or,
// while it loads, the database engine) -> JSON. Every bad parameter is a 400 naming it.
#pragma once

#include <nlohmann/json.hpp>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

nlohmann::json weekly_average_json(const query::WeeklyAverageResult& result);

http::HttpResponse weekly_average(const ApiServices& services, const http::HttpRequest& request);

}  // namespace tripstream::api
