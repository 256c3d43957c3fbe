// api/openapi.json, as compiled into the API, against the code: it is an OpenAPI 3 document,
// every route of make_router() is documented under its method and pattern and every documented
// operation is a route, the /v1/ operations (and only they) name the API-key schemes, every
// path parameter is declared and every $ref resolves. GET /openapi.json serves it verbatim.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "tripstream/api/api_routes.hpp"
#include "tripstream/api/docs_handlers.hpp"

namespace tripstream::api {
namespace {

using Operation = std::pair<std::string, std::string>;  // lower-case method, path pattern

const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                        "options", "head", "patch", "trace"};

nlohmann::json document() {
    return nlohmann::json::parse(openapi_json());
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::set<Operation> routed() {
    const ApiServices services;  // the handlers are not called: only the table is read
    const http::Router router = make_router(services);
    std::set<Operation> out;
    for (const http::Route& route : router.routes())
        out.insert({lower(route.method), route.pattern});
    return out;
}

std::set<Operation> documented(const nlohmann::json& doc) {
    std::set<Operation> out;
    for (const auto& [path, item] : doc.at("paths").items()) {
        for (const auto& [key, operation] : item.items()) {
            if (kMethods.count(key)) out.insert({key, path});
        }
    }
    return out;
}

// The object a local reference ("#/components/...") points at; null when it points nowhere.
const nlohmann::json* resolve(const nlohmann::json& doc, const std::string& ref) {
    if (ref.rfind("#/", 0) != 0) return nullptr;
    const nlohmann::json::json_pointer pointer(ref.substr(1));
    return doc.contains(pointer) ? &doc.at(pointer) : nullptr;
}

void collect_refs(const nlohmann::json& node, std::set<std::string>& refs) {
    if (node.is_object()) {
        for (const auto& [key, value] : node.items()) {
            if (key == "$ref" && value.is_string()) refs.insert(value.get<std::string>());
            collect_refs(value, refs);
        }
    } else if (node.is_array()) {
        for (const auto& value : node)
            collect_refs(value, refs);
    }
}

TEST(OpenApiDocument, IsAnOpenApi3Document) {
    nlohmann::json doc;
    ASSERT_NO_THROW(doc = document()) << "api/openapi.json is not valid JSON";
    ASSERT_TRUE(doc.contains("openapi") && doc["openapi"].is_string());
    EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.", 0), 0u) << doc["openapi"];
    EXPECT_TRUE(doc["info"]["title"].is_string());
    EXPECT_TRUE(doc["info"]["version"].is_string());
    ASSERT_TRUE(doc["paths"].is_object());
    EXPECT_FALSE(doc["paths"].empty());
}

TEST(OpenApiDocument, DocumentsEveryRoute) {
    const auto doc = document();
    const auto operations = documented(doc);
    for (const auto& [method, pattern] : routed()) {
        EXPECT_TRUE(operations.count({method, pattern}))
            << method << " " << pattern << " is a route but not in api/openapi.json";
    }
}

TEST(OpenApiDocument, DocumentsOnlyRoutes) {
    const auto doc = document();
    const auto routes = routed();
    for (const auto& [method, path] : documented(doc)) {
        EXPECT_TRUE(routes.count({method, path}))
            << method << " " << path << " is in api/openapi.json but no route serves it";
    }
}

TEST(OpenApiDocument, OnlyV1OperationsRequireTheApiKey) {
    const auto doc = document();
    EXPECT_FALSE(doc.contains("security")) << "a global requirement would cover the open routes";
    const auto& schemes = doc["components"]["securitySchemes"];
    ASSERT_TRUE(schemes.is_object());
    EXPECT_EQ(schemes["bearerAuth"]["type"], "http");
    EXPECT_EQ(schemes["bearerAuth"]["scheme"], "bearer");
    EXPECT_EQ(schemes["apiKeyHeader"]["type"], "apiKey");
    EXPECT_EQ(schemes["apiKeyHeader"]["in"], "header");
    EXPECT_EQ(schemes["apiKeyHeader"]["name"], "X-API-Key");
    for (const auto& [method, path] : documented(doc)) {
        const auto& operation = doc["paths"][path][method];
        const bool v1 = path.rfind("/v1/", 0) == 0;
        const bool secured = operation.contains("security") && !operation["security"].empty();
        EXPECT_EQ(secured, v1) << method << " " << path;
        if (!secured) continue;
        for (const auto& requirement : operation["security"]) {
            for (const auto& [name, scopes] : requirement.items())
                EXPECT_TRUE(schemes.contains(name)) << method << " " << path << ": " << name;
        }
        EXPECT_TRUE(operation["responses"].contains("401")) << method << " " << path;
    }
}

TEST(OpenApiDocument, DeclaresEveryPathParameter) {
    const auto doc = document();
    for (const auto& [path, item] : doc["paths"].items()) {
        std::set<std::string> templated;
        for (size_t open = path.find('{'); open != std::string::npos;
             open = path.find('{', open + 1))
            templated.insert(path.substr(open + 1, path.find('}', open) - open - 1));
        for (const auto& [method, operation] : item.items()) {
            if (!kMethods.count(method)) continue;
            std::set<std::string> declared;
            for (const auto* list : {&item, &operation}) {
                if (!list->contains("parameters")) continue;
                for (const auto& p : (*list)["parameters"]) {
                    const nlohmann::json* parameter =
                        p.contains("$ref") ? resolve(doc, p["$ref"].get<std::string>()) : &p;
                    ASSERT_NE(parameter, nullptr) << path;
                    if ((*parameter)["in"] != "path") continue;
                    EXPECT_EQ((*parameter)["required"], true) << path;
                    declared.insert((*parameter)["name"].get<std::string>());
                }
            }
            EXPECT_EQ(declared, templated) << method << " " << path;
        }
    }
}

TEST(OpenApiDocument, EveryReferenceResolves) {
    const auto doc = document();
    std::set<std::string> refs;
    collect_refs(doc, refs);
    EXPECT_FALSE(refs.empty());
    for (const auto& ref : refs)
        EXPECT_NE(resolve(doc, ref), nullptr) << ref;
}

TEST(OpenApiDocument, ErrorsAreProblemDetails) {
    const auto doc = document();
    const auto& problem = doc["components"]["schemas"]["Problem"]["properties"];
    for (const char* field : {"type", "status", "title", "detail", "parameter"})
        EXPECT_TRUE(problem.contains(field)) << field;
    for (const auto& [method, path] : documented(doc)) {
        for (const auto& [code, r] : doc["paths"][path][method]["responses"].items()) {
            if (code.front() != '4' && code.front() != '5') continue;
            const nlohmann::json* response =
                r.contains("$ref") ? resolve(doc, r["$ref"].get<std::string>()) : &r;
            ASSERT_NE(response, nullptr);
            const auto& content = (*response)["content"];
            if (path == "/readyz") continue;  // its 503 is the readiness body itself
            EXPECT_TRUE(content.contains("application/problem+json"))
                << method << " " << path << " " << code;
        }
    }
}

TEST(OpenApiDocument, IsServedVerbatim) {
    const http::HttpResponse response = openapi_document();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(response.body, std::string(openapi_json()));
}

}  // namespace
}  // namespace tripstream::api
