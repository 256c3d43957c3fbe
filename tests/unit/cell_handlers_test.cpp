// GET /v1/trips/cells and GET /v1/regions with an in-memory aggregate that answers (no
// database): the exact JSON, the engine header, the Tripstream-Index-State header exactly when
// the aggregate had stopped following the database, and a 400 naming each bad parameter.
#include "tripstream/api/cell_handlers.hpp"

#include <gtest/gtest.h>

#include "support/response_header.hpp"
#include "tripstream/api/index_metrics.hpp"
#include "tripstream/api/weekly_average_handler.hpp"

namespace tripstream::api {
namespace {

using test::response_header;

// Prague (id 1): week 2026-01-05, origin cells at (14.40, 50.05) x2 and (14.45, 50.05) x1,
// all ending in (14.40, 50.05); Oslo (id 2) has no trips.
ApiServices services(double stale_since) {
    const int32_t a = grid_cell({14.42, 50.07});
    const int32_t b = grid_cell({14.47, 50.07});
    const std::vector<query::CellCountRow> rows = {{1, 20'458, a, a, 2}, {1, 20'458, b, a, 1}};
    auto counts = std::make_shared<const query::CellCounts>(
        std::map<std::string, int16_t>{{"Prague", 1}, {"Oslo", 2}}, rows);
    ApiServices s;
    s.fast_cell_counts = [counts, stale_since] {
        return std::optional<query::CellCountsView>({counts, stale_since});
    };
    return s;
}

http::HttpResponse cells(const std::map<std::string, std::string>& query, double stale = 0) {
    http::HttpRequest request;
    request.query = query;
    return trip_cells(services(stale), request);
}

TEST(CellHandlers, CellsAnswerCompactJson) {
    const auto r = cells({{"region", "Prague"}, {"from", "2026-01-07"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"bbox":null,"cell_degrees":0.05,"end":"origin","from":"2026-01-05",)"
                      R"("max_count":2,"region":"Prague","step":1,"to":null,"total_trips":3,)"
                      R"("cells":[[14.4,50.05,2],[14.45,50.05,1]]})");
    EXPECT_EQ(response_header(r, "X-Tripstream-Engine"), "index");
    EXPECT_EQ(response_header(r, kIndexStateHeader), std::nullopt);
    const auto merged = cells({{"end", "destination"}, {"step", "20"}, {"to", "2026-01-11"}});
    ASSERT_EQ(merged.status, 200) << merged.body;
    const auto json = nlohmann::json::parse(merged.body);
    EXPECT_EQ(json["cell_degrees"], 1.0);
    EXPECT_EQ(json["cells"], nlohmann::json::parse("[[14,50,3]]"));
    EXPECT_EQ(json["to"], "2026-01-11");
    const auto outside = cells({{"bbox", "0,0,1,1"}});
    EXPECT_EQ(nlohmann::json::parse(outside.body)["cells"], nlohmann::json::array());
}

TEST(CellHandlers, AStaleAggregateSaysSinceWhen) {
    const auto r = cells({}, 1767607872.75);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(response_header(r, kIndexStateHeader), "stale; since=2026-01-05T10:11:12Z");
}

TEST(CellHandlers, EveryBadParameterIsA400NamingIt) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"step", "abc"},        {"step", "0"},     {"step", "401"},        {"step", "1.5"},
        {"end", "both"},        {"bbox", "1,2,3"}, {"bbox", "10,0,5,1"},   {"bbox", "0,-91,1,1"},
        {"from", "2026-02-30"}, {"to", "soon"},    {"region", "Atlantis"}, {"stepp", "2"}};
    for (const auto& [name, value] : bad) {
        const auto r = cells({{name, value}});
        EXPECT_EQ(r.status, 400) << name << "=" << value << ": " << r.body;
        EXPECT_EQ(nlohmann::json::parse(r.body)["parameter"], name) << r.body;
    }
    const auto reversed = cells({{"from", "2026-02-01"}, {"to", "2026-01-01"}});
    EXPECT_EQ(nlohmann::json::parse(reversed.body)["parameter"], "from");
}

TEST(CellHandlers, RegionsListEveryRegionByName) {
    http::HttpRequest request;
    const auto r = list_regions(services(0), request);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"regions":[{"bbox":null,"name":"Oslo","trips":0},)"
                      R"({"bbox":[14.4,50.05,14.5,50.1],"name":"Prague","trips":3}]})");
    EXPECT_EQ(response_header(r, "X-Tripstream-Engine"), "index");
    request.query = {{"region", "Prague"}};
    const auto refused = list_regions(services(0), request);
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(nlohmann::json::parse(refused.body)["parameter"], "region");
}

TEST(CellCountsMetrics, ShowTheAggregatesState) {
    query::LiveCellCountsStats s;
    s.ready = true;
    s.following = true;
    s.entries = 123'456;
    const std::string text = cell_counts_metrics(s);
    EXPECT_NE(text.find("\ntripstream_cell_counts_ready 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntripstream_cell_counts_entries 123456\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace tripstream::api
