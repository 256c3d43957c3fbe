#include "tripstream/api/docs_handlers.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "tripstream/http/problem.hpp"

namespace tripstream::api {
namespace {

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string content_type_of(const std::string& name) {
    const auto ext = std::filesystem::path(name).extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js") return "text/javascript; charset=utf-8";  // RFC 9239
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".png") return "image/png";
    if (ext == ".json" || ext == ".map") return "application/json";  // source maps are JSON
    if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

// Swagger UI's page, pointed at our document instead of the petstore.
constexpr const char* kIndexPage = R"(<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>tripstream API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});
  </script>
</body>
</html>
)";

}  // namespace

http::HttpResponse openapi_document() {
    return http::HttpResponse::json(200, std::string(openapi_json()));
}

http::HttpResponse swagger_ui(const ApiServices& services, const std::string& file) {
    const std::filesystem::path dir(services.swagger_ui_dir);
    std::error_code ec;
    if (services.swagger_ui_dir.empty() ||
        !std::filesystem::is_regular_file(dir / "swagger-ui-bundle.js", ec)) {
        return http::problem(503, "Swagger UI is not installed in '" + services.swagger_ui_dir +
                                      "': run scripts/setup (npm ci in api/swagger) or set "
                                      "SWAGGER_UI_DIR; the document itself is at /openapi.json");
    }
    if (file.empty() || file == "index.html") {
        return http::HttpResponse::text(200, "text/html; charset=utf-8", kIndexPage);
    }
    // Only plain file names of the package: no directories, no way out of it.
    if (file.find('/') != std::string::npos || file.find('\\') != std::string::npos ||
        file.find("..") != std::string::npos) {
        return http::problem(404, "no such documentation file");
    }
    const auto text = read_file(dir / file);
    if (!text) return http::problem(404, "Swagger UI has no file '" + file + "'");
    http::HttpResponse response = http::HttpResponse::text(200, content_type_of(file), *text);
    response.headers.emplace_back("Cache-Control", "public, max-age=3600");
    return response;
}

}  // namespace tripstream::api
