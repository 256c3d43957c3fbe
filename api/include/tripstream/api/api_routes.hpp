// The API's routes: which handler serves which method and path, which need the API key, and
// how large a body each accepts. The one place to read the whole surface of the API.
#pragma once

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/router.hpp"

namespace tripstream::api {

// `services` must outlive the router.
http::Router make_router(const ApiServices& services);

}  // namespace tripstream::api
