// GET /, /ui/{file} and /ui/settings.json: the dashboard's page and files from
// ApiServices::web_dir, their gzip copies for clients that accept gzip, the strict
// Content-Security-Policy on every answer, no way out of the folder, 503 naming scripts/setup
// when the dashboard is not built, and the settings the page reads.
#include "tripstream/api/dashboard_handlers.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/response_header.hpp"
#include "tripstream/api/static_files.hpp"

namespace tripstream::api {
namespace {

namespace fs = std::filesystem;

std::string header(const http::HttpResponse& response, const std::string& name) {
    return test::response_header(response, name).value_or("");
}

http::HttpRequest request_accepting(const std::string& encodings) {
    http::HttpRequest request;
    if (!encodings.empty()) request.headers["Accept-Encoding"] = encodings;
    return request;
}

class DashboardHandlers : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("tripstream-web-test-" + std::to_string(getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "dist");
        for (const char* name : {"index.html", "app.js", "app.css", "countries-50m.json"})
            write(root_ / "dist" / name, std::string("content of ") + name);
        write(root_ / "dist" / "app.js.gz", "gzip of app.js");
        write(root_ / "secret.txt", "outside");
        services_.web_dir = (root_ / "dist").string();
    }
    void TearDown() override { fs::remove_all(root_); }

    static void write(const fs::path& path, const std::string& text) {
        std::ofstream(path, std::ios::binary) << text;
    }

    fs::path root_;
    ApiServices services_;
};

TEST_F(DashboardHandlers, PageIsServedWithAStrictPolicyAndRevalidated) {
    const auto response = dashboard_page(services_, request_accepting(""));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(response.body, "content of index.html");
    EXPECT_EQ(header(response, "Cache-Control"), "no-cache");
    const auto csp = header(response, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
}

TEST_F(DashboardHandlers, FilesHaveTheirTypesAndGzipCopiesWhenAccepted) {
    const auto plain = dashboard_file(services_, request_accepting(""), "app.js");
    EXPECT_EQ(plain.status, 200);
    EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(plain.body, "content of app.js");
    EXPECT_EQ(header(plain, "Content-Encoding"), "");
    EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");

    const auto gzipped =
        dashboard_file(services_, request_accepting("gzip, deflate, br"), "app.js");
    EXPECT_EQ(gzipped.body, "gzip of app.js");
    EXPECT_EQ(header(gzipped, "Content-Encoding"), "gzip");
    EXPECT_EQ(gzipped.content_type, "text/javascript; charset=utf-8");

    // No gzip copy of this one: the plain file, not an error.
    const auto css = dashboard_file(services_, request_accepting("gzip"), "app.css");
    EXPECT_EQ(css.body, "content of app.css");
    EXPECT_EQ(header(css, "Content-Encoding"), "");
    EXPECT_EQ(dashboard_file(services_, request_accepting(""), "countries-50m.json").content_type,
              "application/json");
}

TEST_F(DashboardHandlers, NothingOutsideTheFolder) {
    for (const std::string file :
         {"../secret.txt", "..", ".", "..%2Fsecret.txt", "nope.js", ".hidden", "a/b.js", "a\\b"}) {
        const auto response = dashboard_file(services_, request_accepting(""), file);
        EXPECT_EQ(response.status, 404) << file;
        EXPECT_EQ(response.content_type, "application/problem+json") << file;
        EXPECT_EQ(response.body.find("outside"), std::string::npos) << file;
    }
}

TEST_F(DashboardHandlers, NotBuiltIs503NamingScriptsSetup) {
    for (const std::string& dir : {(root_ / "not-built").string(), std::string()}) {
        services_.web_dir = dir;
        const auto page = dashboard_page(services_, request_accepting(""));
        EXPECT_EQ(page.status, 503) << dir;
        EXPECT_NE(page.body.find("scripts/setup"), std::string::npos) << page.body;
        EXPECT_EQ(dashboard_file(services_, request_accepting(""), "app.js").status, 503) << dir;
    }
}

TEST_F(DashboardHandlers, SettingsSayWhetherAKeyIsNeededButNeverTheKey) {
    services_.config.api.api_key = "s3cret-key";
    services_.config.api.map_tile_url = "https://{s}.tile.example.org/{z}/{x}/{y}.png";
    services_.config.api.map_tile_attribution = "© <b>Example</b>";
    const auto response = dashboard_settings(services_);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body.find("s3cret-key"), std::string::npos);
    const auto settings = nlohmann::json::parse(response.body);
    EXPECT_EQ(settings.at("api_key_required"), true);
    EXPECT_EQ(settings.at("tile_url"), "https://{s}.tile.example.org/{z}/{x}/{y}.png");
    EXPECT_EQ(settings.at("tile_attribution"), "© <b>Example</b>");
    services_.config.api.api_key.clear();
    EXPECT_EQ(nlohmann::json::parse(dashboard_settings(services_).body).at("api_key_required"),
              false);
}

TEST(DashboardPolicy, ImagesComeFromTheTileServerOnlyWhenOneIsConfigured) {
    const auto none = dashboard_content_security_policy("");
    EXPECT_NE(none.find("img-src 'self' data:;"), std::string::npos) << none;
    const auto subdomains =
        dashboard_content_security_policy("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png");
    EXPECT_NE(subdomains.find("img-src 'self' data: https://*.tile.openstreetmap.org;"),
              std::string::npos)
        << subdomains;
    const auto port = dashboard_content_security_policy("http://tiles.local:8081/{z}/{x}/{y}");
    EXPECT_NE(port.find("img-src 'self' data: http://tiles.local:8081;"), std::string::npos)
        << port;
    // A placeholder elsewhere in the host leaves nothing narrower than the scheme.
    const auto odd = dashboard_content_security_policy("https://tiles-{s}.example.org/{z}");
    EXPECT_NE(odd.find("img-src 'self' data: https:;"), std::string::npos) << odd;
}

TEST(StaticFiles, AcceptEncodingIsReadAsRfc9110Says) {
    EXPECT_TRUE(accepts_gzip(request_accepting("gzip")));
    EXPECT_TRUE(accepts_gzip(request_accepting("br;q=1.0, GZIP;q=0.5")));
    EXPECT_TRUE(accepts_gzip(request_accepting("*")));
    EXPECT_TRUE(accepts_gzip(request_accepting("gzip;q=0.001")));
    EXPECT_FALSE(accepts_gzip(request_accepting("")));
    EXPECT_FALSE(accepts_gzip(request_accepting("identity")));
    EXPECT_FALSE(accepts_gzip(request_accepting("gzip;q=0")));
    EXPECT_FALSE(accepts_gzip(request_accepting("gzip; q=0.000, br")));
    EXPECT_FALSE(accepts_gzip(request_accepting("x-gzip2, deflate")));
}

TEST(StaticFiles, OnlyPlainNamesAreFileNames) {
    for (const std::string ok : {"app.js", "leaflet.css", "uPlot.iife.min.js", "a-b_c.json"})
        EXPECT_TRUE(is_plain_file_name(ok)) << ok;
    for (const std::string bad : {"", ".", "..", "../x", "a/b", "a\\b", ".env", "x..y"})
        EXPECT_FALSE(is_plain_file_name(bad)) << bad;
}

}  // namespace
}  // namespace tripstream::api
