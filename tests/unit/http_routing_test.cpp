// The API's request plumbing without a socket: percent-decoding and query strings, route
// matching with path parameters, 404 versus 405, and the API-key check.
#include <gtest/gtest.h>

#include "tripstream/api/auth.hpp"
#include "tripstream/http/query_string.hpp"
#include "tripstream/http/router.hpp"

namespace tripstream::http {
namespace {

TEST(QueryString, DecodesEscapesAndPlusAndRejectsMalformedEscapes) {
    EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("%e2%82%AC", true), "\xe2\x82\xac");
    EXPECT_FALSE(percent_decode("%zz", true).has_value());
    EXPECT_FALSE(percent_decode("abc%4", true).has_value());
}

TEST(QueryString, SplitsPathAndParametersAndNamesTheBadOne) {
    TargetError bad;
    const auto t =
        parse_target("/v1/trips/weekly-average?region=S%C3%A3o+Paulo&bbox=1,2,3,4&x", bad);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->path, "/v1/trips/weekly-average");
    EXPECT_EQ(t->query.at("region"), "S\xc3\xa3o Paulo");
    EXPECT_EQ(t->query.at("bbox"), "1,2,3,4");
    EXPECT_EQ(t->query.at("x"), "");
    EXPECT_FALSE(parse_target("/v1/x?from=%G1", bad).has_value());
    EXPECT_EQ(bad.parameter, "from");
    EXPECT_FALSE(parse_target("/v1/%ZZ", bad).has_value());
    EXPECT_EQ(bad.parameter, "path");
}

Router sample_router() {
    Router router;
    auto ok = [](HttpExchange&) { return HttpResponse::json(200, "{}"); };
    router.add({"GET", "/v1/ingestions/{id}", ok});
    router.add({"GET", "/v1/ingestions/{id}/events", ok});
    router.add({"POST", "/v1/ingestions", ok});
    router.add({"GET", "/v1/ingestion/status", ok});
    return router;
}

TEST(Router, MatchesPatternsAndHandsOverPathParameters) {
    const Router router = sample_router();
    const auto m = router.match("GET", "/v1/ingestions/abc/events");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/v1/ingestions/{id}/events");
    EXPECT_EQ(m.params.at("id"), "abc");
    EXPECT_EQ(router.match("GET", "/v1/ingestions/abc").route->pattern, "/v1/ingestions/{id}");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllow) {
    const Router router = sample_router();
    const auto missing = router.match("GET", "/v1/ingestions/a/b/c");
    EXPECT_EQ(missing.route, nullptr);
    EXPECT_EQ(missing.status, 404);
    const auto wrong = router.match("DELETE", "/v1/ingestions");
    EXPECT_EQ(wrong.route, nullptr);
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.allow, "POST");
    EXPECT_EQ(router.match("GET", "/v1/ingestions/").status, 404);  // an empty {id}
}

HttpRequest with_header(const std::string& name, const std::string& value) {
    HttpRequest r;
    r.headers[name] = value;
    return r;
}

TEST(ApiKey, AcceptsBearerOrHeaderAndOnlyTheExactKey) {
    using api::authorized;
    EXPECT_TRUE(authorized(with_header("Authorization", "Bearer k3y"), "k3y"));
    EXPECT_TRUE(authorized(with_header("authorization", "Bearer k3y"), "k3y"));
    EXPECT_TRUE(authorized(with_header("X-API-Key", "k3y"), "k3y"));
    EXPECT_FALSE(authorized(with_header("Authorization", "Bearer k3"), "k3y"));
    EXPECT_FALSE(authorized(with_header("Authorization", "Bearer k3yy"), "k3y"));
    EXPECT_FALSE(authorized(with_header("Authorization", "Basic k3y"), "k3y"));
    EXPECT_FALSE(authorized(HttpRequest{}, "k3y"));
    EXPECT_TRUE(authorized(HttpRequest{}, ""));  // no key configured: open
}

TEST(ApiKey, ConstantTimeEqualIsPlainEquality) {
    EXPECT_TRUE(api::constant_time_equal("", ""));
    EXPECT_TRUE(api::constant_time_equal("abc", "abc"));
    EXPECT_FALSE(api::constant_time_equal("abc", "abd"));
    EXPECT_FALSE(api::constant_time_equal("abc", "ab"));
    EXPECT_FALSE(api::constant_time_equal("", "a"));
}

}  // namespace
}  // namespace tripstream::http
