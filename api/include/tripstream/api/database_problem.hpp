// The answer of a handler whose database call failed: always 503 (the request was fine; the
// database could not serve it now), never 500. A statement cancelled by statement_timeout is
// told apart from an unreachable database, so that a client learns that retrying the same
// heavy request may fail again. The error's own text (it can name the host or the user) goes
// to the log only.
#pragma once

#include <exception>
#include <string_view>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

// 503 problem+json with Retry-After; logs `what` (e.g. "weekly average") and the error.
http::HttpResponse database_problem(const ApiServices& services, std::string_view what,
                                    const std::exception& error);

}  // namespace tripstream::api
