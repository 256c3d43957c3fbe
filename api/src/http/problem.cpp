#include "tripstream/http/problem.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tripstream::http {

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 415:
            return "Unsupported Media Type";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

HttpResponse problem(int status, const std::string& detail,
                     const std::optional<std::string>& parameter) {
    nlohmann::json body = {{"type", "about:blank"},
                           {"status", status},
                           {"title", reason_phrase(status)},
                           {"detail", detail}};
    if (parameter) body["parameter"] = *parameter;
    return HttpResponse{status, "application/problem+json", body.dump(), {}, nullptr};
}

std::optional<HttpResponse> unknown_parameter_problem(const HttpRequest& request,
                                                      std::span<const std::string_view> known) {
    for (const auto& [name, value] : request.query) {
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        std::string expected;
        for (const std::string_view k : known)
            expected += (expected.empty() ? "" : ", ") + std::string(k);
        return problem(400,
                       "unknown parameter '" + name + "'; expected " +
                           (expected.empty() ? std::string("none") : expected),
                       name);
    }
    return std::nullopt;
}

}  // namespace tripstream::http
