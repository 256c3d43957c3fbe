// The API's own documentation: GET /openapi.json (the contract, api/openapi.json compiled into
// the binary) and GET /docs (Swagger UI: the files of the npm package swagger-ui-dist, which
// scripts/setup installs; ApiServices::swagger_ui_dir says where).
#pragma once

#include <string>
#include <string_view>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

// api/openapi.json as it was at build time (generated from api/openapi_document.cpp.in).
std::string_view openapi_json();

http::HttpResponse openapi_document();
// `file` is the path below /docs/ ("" for the page itself). 503 when Swagger UI is not
// installed in services.swagger_ui_dir, 404 for a file the package does not have.
http::HttpResponse swagger_ui(const ApiServices& services, const http::HttpRequest& request,
                              const std::string& file);

}  // namespace tripstream::api
