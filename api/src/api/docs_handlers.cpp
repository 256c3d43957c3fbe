#include "tripstream/api/docs_handlers.hpp"

#include <filesystem>
#include <string>
#include <system_error>

#include "tripstream/api/static_files.hpp"
#include "tripstream/http/problem.hpp"

namespace tripstream::api {
namespace {

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

http::HttpResponse swagger_ui(const ApiServices& services, const http::HttpRequest& request,
                              const std::string& file) {
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
    auto response = static_file(services.swagger_ui_dir, file, request, "public, max-age=3600");
    if (!response) return http::problem(404, "Swagger UI has no file '" + file + "'");
    return std::move(*response);
}

}  // namespace tripstream::api
