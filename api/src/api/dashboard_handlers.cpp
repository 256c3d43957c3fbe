#include "tripstream/api/dashboard_handlers.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "tripstream/api/static_files.hpp"
#include "tripstream/http/problem.hpp"

namespace tripstream::api {
namespace {

constexpr const char* kPageFile = "index.html";

// "https://{s}.tile.example.org/{z}/{x}/{y}.png" -> "https://*.tile.example.org": the origin
// the map's images come from, as a CSP source. The template was checked at configuration
// (tile_url_template in config.cpp): http(s), no spaces, quotes, commas or semicolons.
std::string tile_source(const std::string& url_template) {
    const size_t scheme_end = url_template.find("://");
    if (scheme_end == std::string::npos) return "";
    const size_t host_start = scheme_end + 3;
    const size_t path_start = url_template.find('/', host_start);
    std::string host = url_template.substr(
        host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
    // A subdomain placeholder ({s}, as Leaflet spells it) becomes the CSP wildcard; any other
    // placeholder in the host leaves no narrower source than the scheme itself.
    if (host.rfind("{s}.", 0) == 0) host = "*" + host.substr(3);
    if (host.empty() || host.find_first_of("{}") != std::string::npos)
        return url_template.substr(0, scheme_end + 1);
    return url_template.substr(0, host_start) + host;
}

void add_security_headers(http::HttpResponse& response, const ApiServices& services) {
    response.headers.emplace_back("Content-Security-Policy", dashboard_content_security_policy(
                                                                 services.config.api.map_tile_url));
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    response.headers.emplace_back("X-Frame-Options", "DENY");
}

http::HttpResponse not_installed(const ApiServices& services) {
    return http::problem(503, "the dashboard is not built in '" + services.web_dir +
                                  "': run scripts/setup (npm ci and api/web/build) or set "
                                  "WEB_DIR; the API itself is at /v1 and documented at /docs");
}

}  // namespace

std::string dashboard_content_security_policy(const std::string& tile_url_template) {
    std::string images = "'self' data:";
    if (const auto source = tile_source(tile_url_template); !source.empty()) images += " " + source;
    return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + images +
           "; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'";
}

http::HttpResponse dashboard_page(const ApiServices& services, const http::HttpRequest& request) {
    // The page names its files without versions, so it is always revalidated.
    auto response = static_file(services.web_dir, kPageFile, request, "no-cache");
    if (!response) return not_installed(services);
    add_security_headers(*response, services);
    return std::move(*response);
}

http::HttpResponse dashboard_file(const ApiServices& services, const http::HttpRequest& request,
                                  const std::string& file) {
    std::error_code ec;
    if (services.web_dir.empty() ||
        !std::filesystem::is_regular_file(std::filesystem::path(services.web_dir) / kPageFile, ec))
        return not_installed(services);
    auto response = static_file(services.web_dir, file, request, "no-cache");
    if (!response) return http::problem(404, "the dashboard has no file '" + file + "'");
    add_security_headers(*response, services);
    return std::move(*response);
}

http::HttpResponse dashboard_settings(const ApiServices& services) {
    const auto& api = services.config.api;
    nlohmann::json settings = {{"api_key_required", !api.api_key.empty()},
                               {"tile_url", api.map_tile_url},
                               {"tile_attribution", api.map_tile_attribution}};
    http::HttpResponse response = http::HttpResponse::json(200, settings.dump());
    response.headers.emplace_back("Cache-Control", "no-cache");
    add_security_headers(response, services);
    return response;
}

}  // namespace tripstream::api
