#include "tripstream/http/router.hpp"

#include <string_view>

namespace tripstream::http {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string_view::npos ? path.size() : slash;
        out.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return out;
}

}  // namespace

bool match_pattern(const std::string& pattern, const std::string& path,
                   std::map<std::string, std::string>& params) {
    const auto want = segments(pattern);
    const auto have = segments(path);
    if (want.size() != have.size()) return false;
    std::map<std::string, std::string> found;
    for (size_t i = 0; i < want.size(); ++i) {
        const std::string_view w = want[i];
        if (w.size() >= 2 && w.front() == '{' && w.back() == '}') {
            if (have[i].empty()) return false;
            found[std::string(w.substr(1, w.size() - 2))] = std::string(have[i]);
        } else if (w != have[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

void Router::add(Route route) {
    routes_.push_back(std::move(route));
}

RouteMatch Router::match(const std::string& method, const std::string& path) const {
    RouteMatch result;
    result.status = 404;
    for (const Route& r : routes_) {
        std::map<std::string, std::string> params;
        if (!match_pattern(r.pattern, path, params)) continue;
        if (r.method == method) {
            result.route = &r;
            result.status = 200;
            result.params = std::move(params);
            return result;
        }
        result.status = 405;
        if (result.allow.find(r.method) == std::string::npos) {
            result.allow += (result.allow.empty() ? "" : ", ") + r.method;
        }
    }
    return result;
}

}  // namespace tripstream::http
