// API-key authentication for the /v1/ routes: `Authorization: Bearer <key>` or
// `X-API-Key: <key>`, compared in constant time so response timing reveals nothing about
// the key.
#pragma once

#include <string>
#include <string_view>

#include "tripstream/http/router.hpp"

namespace tripstream::api {

// Equal strings, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// Whether the request carries `key` (an empty key authorizes everything).
bool authorized(const http::HttpRequest& request, const std::string& key);

// `handler` behind the key check: 401 with WWW-Authenticate when the key is missing or wrong.
http::Handler require_api_key(http::Handler handler, std::string key);

}  // namespace tripstream::api
