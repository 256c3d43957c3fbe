// GET /v1/trips/weekly-average with an in-memory index that answers (no database): the
// engine header, and the Tripstream-Index-State header exactly when the snapshot that
// answered had stopped following the database. Also the index's state in /metrics.
#include "tripstream/api/weekly_average_handler.hpp"

#include <gtest/gtest.h>

#include "support/response_header.hpp"
#include "tripstream/api/index_metrics.hpp"

namespace tripstream::api {
namespace {

using test::response_header;

http::HttpResponse ask(double stale_since) {
    ApiServices services;
    services.fast_weekly_average = [stale_since](const query::WeeklyAverageRequest& request) {
        query::IndexAnswer answer;
        answer.result.region = request.region;
        answer.result.total_trips = 42;
        answer.stale_since_unix_seconds = stale_since;
        return std::optional<query::IndexAnswer>(answer);
    };
    http::HttpRequest request;
    request.query = {{"region", "Prague"}};
    return weekly_average(services, request);
}

TEST(WeeklyAverageHandler, AnAnswerOfAFollowingIndexHasNoStateHeader) {
    const auto response = ask(0);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response_header(response, "X-Tripstream-Engine"), "index");
    EXPECT_EQ(response_header(response, kIndexStateHeader), std::nullopt);
    EXPECT_EQ(nlohmann::json::parse(response.body)["total_trips"], 42);
}

TEST(WeeklyAverageHandler, AnAnswerOfAStaleSnapshotSaysSinceWhen) {
    // 2026-01-05T10:11:12.75Z: whole seconds, rounded down.
    const auto response = ask(1767607872.75);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response_header(response, "X-Tripstream-Engine"), "index");
    EXPECT_EQ(response_header(response, kIndexStateHeader), "stale; since=2026-01-05T10:11:12Z");
    EXPECT_EQ(nlohmann::json::parse(response.body)["total_trips"], 42);
}

TEST(IndexMetrics, ShowFollowingStaleSinceAndCatchUpsWithEveryDigit) {
    query::LiveTripIndexStats s;
    s.ready = true;
    s.following = false;
    s.stale_since_unix_seconds = 1767607872.5;
    s.trips = 12'345'678;
    s.catch_ups = 3;
    const std::string text = index_metrics(s);
    EXPECT_NE(text.find("\ntripstream_index_ready 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntripstream_index_following 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntripstream_index_stale_since_seconds 1767607872.5\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("\ntripstream_index_trips 12345678\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntripstream_index_catch_ups 3\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace tripstream::api
