// The async server's socket-free parts: HEAD routing, connection limits, the Date header and
// SSE framing.
#include <gtest/gtest.h>

#include <regex>

#include "tripstream/http/connection_limiter.hpp"
#include "tripstream/http/event_feed.hpp"
#include "tripstream/http/http_date.hpp"
#include "tripstream/http/router.hpp"

namespace tripstream::http {
namespace {

TEST(RouterHead, HeadIsServedByTheGetRouteAndListedInAllow) {
    Router router;
    auto ok = [](HttpExchange&) { return HttpResponse::json(200, "{}"); };
    router.add({"GET", "/v1/ingestions/{id}", ok});
    router.add({"POST", "/v1/ingestions", ok});
    const auto head = router.match("HEAD", "/v1/ingestions/abc");
    ASSERT_NE(head.route, nullptr);
    EXPECT_EQ(head.route->method, "GET");
    EXPECT_EQ(head.params.at("id"), "abc");
    EXPECT_EQ(router.match("HEAD", "/v1/ingestions").status, 405);  // POST only: no HEAD
    const auto wrong = router.match("DELETE", "/v1/ingestions/abc");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.allow, "GET, HEAD");
}

TEST(ConnectionLimiter, CapsTotalAndPerAddressAndFreesOnRelease) {
    ConnectionLimiter limiter(3, 2);
    auto a1 = limiter.try_acquire("10.0.0.1");
    auto a2 = limiter.try_acquire("10.0.0.1");
    ASSERT_TRUE(a1 && a2);
    EXPECT_EQ(limiter.try_acquire("10.0.0.1"), nullptr);  // per-address cap
    auto b1 = limiter.try_acquire("10.0.0.2");
    ASSERT_TRUE(b1);
    EXPECT_EQ(limiter.try_acquire("10.0.0.3"), nullptr);  // total cap
    EXPECT_EQ(limiter.open(), 3u);
    a1.reset();
    EXPECT_EQ(limiter.open(), 2u);
    EXPECT_NE(limiter.try_acquire("10.0.0.1"), nullptr);  // freed, then released again
    EXPECT_EQ(limiter.open(), 2u);
}

TEST(HttpDate, IsAnImfFixdate) {
    const std::regex imf(R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} )"
                         R"((Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} )"
                         R"(\d{2}:\d{2}:\d{2} GMT)");
    EXPECT_TRUE(std::regex_match(http_date_now(), imf)) << http_date_now();
}

TEST(SseFrame, SplitsDataLinesAndEndsWithABlankLine) {
    EXPECT_EQ(sse_frame("status", "{\"a\":1}"), "event: status\ndata: {\"a\":1}\n\n");
    EXPECT_EQ(sse_frame("", "x\ny"), "data: x\ndata: y\n\n");
    EXPECT_EQ(sse_comment("keep-alive"), ": keep-alive\n\n");
}

}  // namespace
}  // namespace tripstream::http
