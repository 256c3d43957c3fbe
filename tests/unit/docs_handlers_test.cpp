// GET /docs and /docs/{file}: Swagger UI's page and files from ApiServices::swagger_ui_dir,
// their content types, no way out of that folder, and 503 (problem+json) when Swagger UI is
// not installed there.
#include "tripstream/api/docs_handlers.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tripstream::api {
namespace {

namespace fs = std::filesystem;

class DocsHandlers : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("tripstream-docs-test-" + std::to_string(getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "swagger-ui-dist");
        for (const char* name : {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png",
                                 "swagger-ui.css.map", "NOTICE"})
            write(root_ / "swagger-ui-dist" / name, std::string("content of ") + name);
        write(root_ / "secret.txt", "outside");
        services_.swagger_ui_dir = (root_ / "swagger-ui-dist").string();
    }
    void TearDown() override { fs::remove_all(root_); }

    static void write(const fs::path& path, const std::string& text) {
        std::ofstream(path, std::ios::binary) << text;
    }

    fs::path root_;
    ApiServices services_;
    http::HttpRequest request_;
};

TEST_F(DocsHandlers, PageLoadsTheBundleAndPointsAtTheDocument) {
    for (const std::string file : {"", "index.html"}) {
        const auto response = swagger_ui(services_, request_, file);
        EXPECT_EQ(response.status, 200) << file;
        EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
        EXPECT_NE(response.body.find("/docs/swagger-ui-bundle.js"), std::string::npos);
        EXPECT_NE(response.body.find("/docs/swagger-ui.css"), std::string::npos);
        EXPECT_NE(response.body.find("\"/openapi.json\""), std::string::npos);
    }
}

TEST_F(DocsHandlers, FilesHaveTheirContentTypes) {
    const std::pair<const char*, const char*> cases[] = {
        {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
        {"swagger-ui.css", "text/css; charset=utf-8"},
        {"favicon-32x32.png", "image/png"},
        {"swagger-ui.css.map", "application/json"},
        {"NOTICE", "application/octet-stream"},
    };
    for (const auto& [file, type] : cases) {
        const auto response = swagger_ui(services_, request_, file);
        EXPECT_EQ(response.status, 200) << file;
        EXPECT_EQ(response.content_type, type) << file;
        EXPECT_EQ(response.body, std::string("content of ") + file);
    }
}

TEST_F(DocsHandlers, NothingOutsideThePackage) {
    for (const std::string file : {"../secret.txt", "..", ".", "..%2Fsecret.txt", "nope.js"}) {
        const auto response = swagger_ui(services_, request_, file);
        EXPECT_EQ(response.status, 404) << file;
        EXPECT_EQ(response.content_type, "application/problem+json") << file;
        EXPECT_EQ(response.body.find("outside"), std::string::npos) << file;
    }
}

TEST_F(DocsHandlers, MissingSwaggerUiIs503NamingScriptsSetup) {
    services_.swagger_ui_dir = (root_ / "not-installed").string();
    for (const std::string file : {"", "swagger-ui-bundle.js"}) {
        const auto response = swagger_ui(services_, request_, file);
        EXPECT_EQ(response.status, 503) << file;
        EXPECT_EQ(response.content_type, "application/problem+json");
        EXPECT_NE(response.body.find("scripts/setup"), std::string::npos) << response.body;
    }
    services_.swagger_ui_dir.clear();
    EXPECT_EQ(swagger_ui(services_, request_, "").status, 503);
}

}  // namespace
}  // namespace tripstream::api
