#include "tripstream/api/auth.hpp"

#include "tripstream/http/problem.hpp"

namespace tripstream::api {

bool constant_time_equal(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
        const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
        diff |= static_cast<unsigned char>(x ^ y);
    }
    return diff == 0;
}

bool authorized(const http::HttpRequest& request, const std::string& key) {
    if (key.empty()) return true;
    if (const auto header = request.header("Authorization")) {
        constexpr std::string_view kBearer = "Bearer ";
        if (header->size() > kBearer.size() &&
            std::equal(kBearer.begin(), kBearer.end(), header->begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            if (constant_time_equal(std::string_view(*header).substr(kBearer.size()), key))
                return true;
        }
    }
    if (const auto header = request.header("X-API-Key")) return constant_time_equal(*header, key);
    return false;
}

http::Handler require_api_key(http::Handler handler, std::string key) {
    if (key.empty()) return handler;
    return [handler = std::move(handler), key = std::move(key)](http::HttpExchange& exchange) {
        if (authorized(exchange.request(), key)) return handler(exchange);
        http::HttpResponse denied =
            http::problem(401,
                          "missing or wrong API key: send 'Authorization: Bearer <key>' or "
                          "'X-API-Key: <key>'",
                          "Authorization");
        denied.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"tripstream\"");
        return denied;
    };
}

}  // namespace tripstream::api
