// The dashboard (docs/dashboard.md): GET / is its page, GET /ui/{file} its scripts, styles and
// base map, all static files that api/web/build assembles from api/web/src and the pinned npm
// packages of api/web/package-lock.json into ApiServices::web_dir. GET /ui/settings.json tells
// the page what the server is configured with (whether it needs the API key, the optional
// online tile layer).
//
// Every answer carries a strict Content-Security-Policy: scripts and styles from this origin
// only (no inline script, no eval), requests to this origin only, images from this origin
// and the configured tile server, no frames, no plugins.
#pragma once

#include <string>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

// The Content-Security-Policy for a tile URL template ("" when none is configured).
std::string dashboard_content_security_policy(const std::string& tile_url_template);

http::HttpResponse dashboard_page(const ApiServices& services, const http::HttpRequest& request);
http::HttpResponse dashboard_file(const ApiServices& services, const http::HttpRequest& request,
                                  const std::string& file);
http::HttpResponse dashboard_settings(const ApiServices& services);

}  // namespace tripstream::api
