#include "tripstream/http/router.hpp"

#include <string_view>

namespace tripstream::http {
namespace {

std::vector<std::string_view> split(std::string_view text, std::string_view separator) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t at = text.find(separator, start);
        const size_t end = at == std::string_view::npos ? text.size() : at;
        out.push_back(text.substr(start, end - start));
        if (at == std::string_view::npos) break;
        start = at + separator.size();
    }
    return out;
}

std::vector<std::string_view> segments(std::string_view path) {
    return split(path, "/");
}

// The methods of an Allow list ("GET, HEAD").
std::vector<std::string_view> segments_of(std::string_view list) {
    return split(list, ", ");
}

const std::string kGet = "GET";

void allow(std::string& list, const std::string& method) {
    for (const auto listed : segments_of(list))
        if (listed == method) return;
    list += (list.empty() ? "" : ", ") + method;
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
    const std::string& wanted = method == "HEAD" ? kGet : method;
    for (const Route& r : routes_) {
        std::map<std::string, std::string> params;
        if (!match_pattern(r.pattern, path, params)) continue;
        if (r.method == wanted) {
            result.route = &r;
            result.status = 200;
            result.params = std::move(params);
            return result;
        }
        result.status = 405;
        allow(result.allow, r.method);
        if (r.method == kGet) allow(result.allow, "HEAD");
    }
    return result;
}

}  // namespace tripstream::http
