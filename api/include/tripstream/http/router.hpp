// Which handler serves a request: routes are (method, path pattern) pairs, where a pattern
// segment "{name}" matches any one segment and is handed to the handler as a path parameter.
// A path that matches no pattern is a 404; a path that matches only under other methods is a
// 405 with the Allow header listing them. HEAD is served by the GET route (RFC 9110 §9.3.2).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tripstream/http/http_message.hpp"

namespace tripstream::http {

using Handler = std::function<HttpResponse(HttpExchange&)>;

struct Route {
    std::string method;
    std::string pattern;  // "/v1/ingestions/{id}"
    Handler handler;
    uint64_t body_limit = 1 << 20;  // bytes a request body may have (413 beyond)
    // The handler reads the body as it arrives (uploads) instead of the server reading it
    // whole first; such requests run on their own threads, max_concurrent_uploads at once.
    bool streams_body = false;
};

struct RouteMatch {
    const Route* route = nullptr;  // null: see status
    int status = 200;              // 404 or 405 when route is null
    std::string allow;             // for 405: "GET, POST"
    std::map<std::string, std::string> params;
};

class Router {
  public:
    void add(Route route);
    RouteMatch match(const std::string& method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }

  private:
    std::vector<Route> routes_;
};

// Whether `path` matches `pattern`; fills `params` with the "{name}" segments.
bool match_pattern(const std::string& pattern, const std::string& path,
                   std::map<std::string, std::string>& params);

}  // namespace tripstream::http
