// Rejected rows as the API lists them, without a database: the JSON of one row (the raw bytes
// rendered as valid UTF-8 text with every other byte escaped), and the 400s of
// GET /v1/ingestions/{id}/rejected for bad parameters (answered before any database use).
#include "tripstream/status/rejected_rows.hpp"

#include <gtest/gtest.h>

#include "tripstream/api/rejected_rows_handler.hpp"

namespace tripstream::status {
namespace {

TEST(RejectedRowJson, AnyRawBytesBecomeValidText) {
    std::string bytes;
    for (int b = 0; b < 256; ++b)
        bytes.push_back(static_cast<char>(b));
    RejectedRow r;
    r.raw = bytes + "Plze\u0148 C:\\x";
    const nlohmann::json j = to_json(r);
    std::string dumped;
    EXPECT_NO_THROW(dumped = j.dump());  // dump() throws on invalid UTF-8
    const std::string raw = j["raw"];
    EXPECT_EQ(raw.find('\0'), std::string::npos);
    EXPECT_EQ(raw.substr(0, 8), "\\x00\\x01");
    EXPECT_NE(raw.find("Plze\u0148 C:\\\\x"), std::string::npos) << raw;  // backslash doubled
    EXPECT_EQ(j["raw_length"], 256 + 11);
}

RejectedRow sample_row() {
    RejectedRow r;
    r.rejected_id = 42;
    r.stage = "consumer";
    r.source = "trips.csv";
    r.line = 17;
    r.reason = "bad_origin_coord: not a WKT point";
    r.raw = "Prague,\xff\n";
    r.raw_length = 9;
    r.kafka_topic = "trips";
    r.kafka_partition = 3;
    r.kafka_offset = 1200;
    r.rejected_at_us = 1'795'341'600'000'000;  // 2026-11-22T10:00:00Z
    return r;
}

TEST(RejectedRowJson, HasEveryFieldWithTheRawExcerptEscaped) {
    EXPECT_EQ(to_json(sample_row()), nlohmann::json::parse(R"({
        "rejected_id": 42, "stage": "consumer", "source": "trips.csv", "line": 17,
        "reason": "bad_origin_coord: not a WKT point", "kafka_topic": "trips",
        "kafka_partition": 3, "kafka_offset": 1200, "raw": "Prague,\\xff\\x0a",
        "raw_length": 9, "raw_truncated": false, "rejected_at": "2026-11-22T10:00:00Z"})"));
}

TEST(RejectedRowJson, TruncationUnknownLengthsAndNoRaw) {
    RejectedRow r = sample_row();
    r.raw_length = 100000;  // the consumer kept an excerpt
    EXPECT_EQ(to_json(r)["raw_truncated"], true);
    EXPECT_EQ(to_json(r)["raw_length"], 100000);
    r.raw_length.reset();  // written before raw_length existed: the stored bytes are all
    EXPECT_EQ(to_json(r)["raw_length"], 9);
    EXPECT_EQ(to_json(r)["raw_truncated"], false);
    r.raw.reset();
    r.source.reset();
    r.line.reset();
    const nlohmann::json j = to_json(r);
    EXPECT_TRUE(j["raw"].is_null());
    EXPECT_TRUE(j["raw_length"].is_null());
    EXPECT_EQ(j["raw_truncated"], false);
    EXPECT_TRUE(j["source"].is_null());
    EXPECT_TRUE(j["line"].is_null());
}

http::HttpResponse list(const std::map<std::string, std::string>& query) {
    const api::ApiServices services;  // no pool: every case below answers before using it
    http::HttpRequest request;
    request.method = "GET";
    request.path = "/v1/ingestions/0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b11/rejected";
    request.path_params["id"] = "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b11";
    request.query = query;
    return api::list_rejected_rows(services, request);
}

TEST(RejectedRowsHandler, BadParametersAreProblemsNamingThem) {
    const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
        {{{"limit", "0"}}, "limit"},     {{{"limit", "1001"}}, "limit"},
        {{{"limit", "ten"}}, "limit"},   {{{"limit", ""}}, "limit"},
        {{{"limit", "10x"}}, "limit"},   {{{"limit", "-5"}}, "limit"},
        {{{"after", "-1"}}, "after"},    {{{"after", "abc"}}, "after"},
        {{{"after", "1e3"}}, "after"},   {{{"after", "99999999999999999999"}}, "after"},
        {{{"offset", "100"}}, "offset"}, {{{"limit", "10"}, {"cursor", "5"}}, "cursor"},
    };
    for (const auto& [query, parameter] : cases) {
        const http::HttpResponse r = list(query);
        EXPECT_EQ(r.status, 400) << parameter << " " << r.body;
        EXPECT_EQ(r.content_type, "application/problem+json");
        EXPECT_EQ(nlohmann::json::parse(r.body)["parameter"], parameter) << r.body;
    }
}

}  // namespace
}  // namespace tripstream::status
