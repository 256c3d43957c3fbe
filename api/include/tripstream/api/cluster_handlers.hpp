// The groups of similar trips: GET /v1/clusters (the model's clusters with their stored trip
// counts) and POST /v1/clusters/predict (trips in, cluster ids out).
#pragma once

#include <nlohmann/json.hpp>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

http::HttpResponse list_clusters(const ApiServices& services, const http::HttpRequest& request);
// `body` is the request's JSON text.
http::HttpResponse predict_clusters(const ApiServices& services, const std::string& body);

}  // namespace tripstream::api
