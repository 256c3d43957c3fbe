// The HTTP server's options from the configuration's api section (config.yml, environment).
#pragma once

#include "tripstream/config.hpp"
#include "tripstream/http/http_server.hpp"

namespace tripstream::api {

http::HttpServerOptions server_options(const ApiConfig& api);

}  // namespace tripstream::api
