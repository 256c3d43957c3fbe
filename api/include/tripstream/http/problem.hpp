// Error responses as RFC 9457 problem details (application/problem+json): status, title,
// detail, and for request errors the parameter at fault, so a client can tell which input
// to fix without parsing prose.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tripstream/http/http_message.hpp"

namespace tripstream::http {

HttpResponse problem(int status, const std::string& detail,
                     const std::optional<std::string>& parameter = std::nullopt);

// The standard reason phrase ("Not Found"); "Unknown" for codes the API never sends.
const char* reason_phrase(int status);

// 400 naming the first query parameter of `request` that is not in `known` (a misspelt one
// would otherwise be silently ignored and answer another question); nullopt when all are.
std::optional<HttpResponse> unknown_parameter_problem(const HttpRequest& request,
                                                      std::span<const std::string_view> known);

}  // namespace tripstream::http
