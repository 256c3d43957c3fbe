// Trips per grid cell and the region list against the real stack: trips written as the
// consumer writes them (BatchWriter: rows, trip_cell_counts, batch_id, notification), then
// LiveCellCounts, the SQL engine over trip_cell_counts and the real tripstream-api must all
// answer exactly what a count over the raw trips table says (cells computed in SQL with
// grid_cell()'s formula), after the load and again after new batches (a new region included)
// commit while they run. Also: each bad parameter is a 400 over HTTP, and a server without the
// in-memory aggregate (QUERY_ENGINE=database) answers the same from SQL.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "support/api_metrics.hpp"
#include "support/api_process.hpp"
#include "support/cell_counts_text.hpp"
#include "support/consumer_batches.hpp"
#include "support/http_client.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "support/weekly_average_oracle.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/cell_counts_sql.hpp"
#include "tripstream/query/coarse_grid.hpp"
#include "tripstream/query/live_cell_counts.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

using namespace std::chrono_literals;

using test::wait_until;

// The answer counted from the raw trips: each trip's cell with grid_cell()'s formula, its
// week from trip_time, then the blocks of the request's window.
std::vector<CellBlock> count_raw_trips(db::PgConnection& conn, const CellCountsRequest& r) {
    const char* end = r.end == CellEnd::origin ? "origin" : "destination";
    const CellCountsResult shape = empty_cell_counts(r);
    const auto rows = conn.exec(
        std::string("SELECT cell / 7200 / $1::int, cell % 7200 / $1::int, count(*) FROM ("
                    " SELECT least(greatest(floor((ST_Y(") +
            end + ") + 90.0) / 0.05), 0), 3599)::int * 7200 + least(greatest(floor((ST_X(" + end +
            ") + 180.0) / 0.05), 0), 7199)::int AS cell"
            " FROM tripstream.trips t JOIN tripstream.regions USING (region_id)"
            " WHERE ($2::text IS NULL OR name = $2::text)"
            " AND (trip_time AT TIME ZONE 'UTC')::date >= $3::date"
            " AND (trip_time AT TIME ZONE 'UTC')::date <= $4::date) c GROUP BY 1, 2",
        {std::to_string(r.step), r.region,
         shape.from_days ? format_date(*shape.from_days) : "-infinity",
         shape.to_days ? format_date(*shape.to_days) : "infinity"});
    const CoarseWindow window = CoarseGrid(r.step).window(r.bbox);
    CellCountsResult result = shape;
    for (int i = 0; i < PQntuples(rows.get()); ++i) {
        const CellBlock b{std::stoi(PQgetvalue(rows.get(), i, 1)),
                          std::stoi(PQgetvalue(rows.get(), i, 0)),
                          std::stoll(PQgetvalue(rows.get(), i, 2))};
        if (window.contains(b.column, b.row)) result.cells.push_back(b);
    }
    finish_cells(result);
    return result.cells;
}

// Regions as text from the raw trips: name, trips, and the cells' extent.
std::string raw_regions(db::PgConnection& conn) {
    const auto rows = conn.exec(
        "SELECT name, count(t.region_id),"
        " min(least(floor((ST_X(origin) + 180.0) / 0.05), floor((ST_X(destination) + 180.0) /"
        " 0.05))), max(greatest(floor((ST_X(origin) + 180.0) / 0.05), floor((ST_X(destination)"
        " + 180.0) / 0.05))), min(least(floor((ST_Y(origin) + 90.0) / 0.05),"
        " floor((ST_Y(destination) + 90.0) / 0.05))), max(greatest(floor((ST_Y(origin) + 90.0)"
        " / 0.05), floor((ST_Y(destination) + 90.0) / 0.05)))"
        " FROM tripstream.regions r LEFT JOIN tripstream.trips t USING (region_id)"
        " GROUP BY name ORDER BY name COLLATE \"C\"");
    std::string out;
    for (int i = 0; i < PQntuples(rows.get()); ++i) {
        out += std::string(PQgetvalue(rows.get(), i, 0)) + " " + PQgetvalue(rows.get(), i, 1);
        if (!PQgetisnull(rows.get(), i, 2)) {
            CellExtent e;
            e.add_columns_rows(
                std::stoi(PQgetvalue(rows.get(), i, 2)), std::stoi(PQgetvalue(rows.get(), i, 3)),
                std::stoi(PQgetvalue(rows.get(), i, 4)), std::stoi(PQgetvalue(rows.get(), i, 5)));
            out += " " + test::box_text(*e.box());
        }
        out += "\n";
    }
    return out;
}

std::string text(const std::vector<RegionSummary>& regions) {
    return test::regions_text(regions);
}

// Requests of every kind over the fixture's first `regions` regions (or all) and ten weeks.
std::vector<CellCountsRequest> requests(int regions) {
    const int64_t first = test::index_first_day();
    std::vector<std::string> names = {""};
    for (int i = 0; i < regions; ++i)
        names.push_back(test::kIndexRegions[static_cast<size_t>(i)].name);
    std::vector<CellCountsRequest> out;
    for (const std::string& region : names) {
        for (const int step : {1, 2, 20, 400}) {
            for (const CellEnd end : {CellEnd::origin, CellEnd::destination}) {
                CellCountsRequest r;
                if (!region.empty()) r.region = region;
                r.step = step;
                r.end = end;
                out.push_back(r);
                r.from_days = first + 9;  // a Wednesday: from its Monday
                r.to_days = first + 30;
                out.push_back(r);
                r.bbox = GeoBox{14.35, 50.0, 14.5, 50.15};  // edges on grid lines
                out.push_back(r);
                r.from_days.reset();
                r.bbox = GeoBox{7.6, 45.0, 14.42, 60.0};
                out.push_back(r);
            }
        }
    }
    return out;
}

std::string target(const CellCountsRequest& r) {
    std::string t = "/v1/trips/cells?step=" + std::to_string(r.step) +
                    "&end=" + std::string(cell_end_name(r.end));
    if (r.region) t += "&region=" + *r.region;
    if (r.from_days) t += "&from=" + test::date_text(*r.from_days);
    if (r.to_days) t += "&to=" + test::date_text(*r.to_days);
    if (r.bbox) {
        const auto s = test::shortest_double;
        t += "&bbox=" + s(r.bbox->min_lon) + "," + s(r.bbox->min_lat) + "," + s(r.bbox->max_lon) +
             "," + s(r.bbox->max_lat);
    }
    return t;
}

// The cells of an HTTP answer as blocks.
std::vector<CellBlock> blocks_of(const nlohmann::json& answer, int step) {
    std::vector<CellBlock> out;
    for (const auto& c : answer["cells"]) {
        // West and south edges back to block numbers: exact, they are k / 20 - 180 (90).
        const auto column =
            static_cast<int32_t>(std::lround((c[0].get<double>() + 180.0) * 20.0)) / step;
        const auto row =
            static_cast<int32_t>(std::lround((c[1].get<double>() + 90.0) * 20.0)) / step;
        out.push_back({column, row, c[2].get<int64_t>()});
    }
    return out;
}

class TripCellsTest : public ::testing::Test {
  protected:
    TripCellsTest()
        : database_("tripstream_trip_cells_it"),
          conn_(database_.url(), "trip_cells_test"),
          batches_("trip-cells-test", 4242),
          dir_(std::filesystem::temp_directory_path() / test::unique_name("it-trip-cells")) {
        std::filesystem::create_directories(dir_);
    }
    ~TripCellsTest() override {
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }

    int64_t stored_trips() {
        return std::stoll(db::first_value(conn_.exec("SELECT count(*) FROM tripstream.trips")));
    }

    std::unique_ptr<test::ApiProcess> start_api(const std::string& name,
                                                const std::string& engine = "index") {
        auto env = test::program_env(test::unique_name("it-trip-cells"));
        env["DATABASE_URL"] = database_.url();
        env["QUERY_ENGINE"] = engine;
        return std::make_unique<test::ApiProcess>(env, (dir_ / (name + ".log")).string());
    }

    // Every request: the aggregate, the SQL engine and the raw count agree.
    void expect_exact(const LiveCellCounts& live, int regions) {
        const auto view = live.view();
        ASSERT_TRUE(view);
        for (const CellCountsRequest& r : requests(regions)) {
            const auto raw = count_raw_trips(conn_, r);
            ASSERT_EQ(view->counts->cells(r).cells, raw) << target(r);
            ASSERT_EQ(cell_counts(conn_, r).cells, raw) << target(r);
        }
        EXPECT_EQ(text(view->counts->regions()), raw_regions(conn_));
        EXPECT_EQ(text(region_summaries(conn_)), raw_regions(conn_));
    }

    // Every request over HTTP equals the raw count; returns the engine that answered.
    std::string expect_exact_over_http(int port, int regions) {
        std::string engine;
        for (const CellCountsRequest& r : requests(regions)) {
            const auto answer = test::http_get(port, target(r));
            EXPECT_EQ(answer.status, 200) << target(r) << ": " << answer.body;
            if (answer.status != 200) return "";
            engine = answer.header("x-tripstream-engine");
            const auto json = answer.json();
            const auto raw = count_raw_trips(conn_, r);
            EXPECT_EQ(blocks_of(json, r.step), raw) << target(r);
            int64_t total = 0;
            for (const auto& b : raw)
                total += b.trips;
            EXPECT_EQ(json["total_trips"], total) << target(r);
        }
        const auto listed_json = test::http_get(port, "/v1/regions").json()["regions"];
        std::vector<RegionSummary> listed;
        for (const auto& r : listed_json) {
            RegionSummary s{r["name"], r["trips"], std::nullopt};
            if (!r["bbox"].is_null())
                s.bbox = GeoBox{r["bbox"][0], r["bbox"][1], r["bbox"][2], r["bbox"][3]};
            listed.push_back(s);
        }
        EXPECT_EQ(text(listed), raw_regions(conn_));
        return engine;
    }

    test::ScratchDatabase database_;
    db::PgConnection conn_;
    test::ConsumerBatches batches_;
    std::filesystem::path dir_;
};

TEST_F(TripCellsTest, TheAggregateFollowsBatchesAndEqualsTheRawCount) {
    batches_.write(conn_, 6, 500, 2);
    LiveCellCounts live(database_.url(), Logger("test", LogLevel::warn));
    live.start();
    ASSERT_TRUE(wait_until([&] { return live.stats().ready; }));
    EXPECT_EQ(live.stats().trips, stored_trips());
    expect_exact(live, 2);
    // Batches committed while it runs, the third region's first ones among them.
    batches_.write(conn_, 4, 400, 3);
    ASSERT_TRUE(wait_until([&] { return live.stats().trips == stored_trips(); }));
    EXPECT_GE(live.stats().batches_applied, 4);
    EXPECT_TRUE(live.stats().following);
    expect_exact(live, 3);
    // A reload notification loads it again, with the same answers.
    conn_.exec("NOTIFY tripstream_index, 'reload'");
    ASSERT_TRUE(wait_until([&] { return live.stats().reloads == 2; }));
    expect_exact(live, 3);
}

TEST_F(TripCellsTest, TheApiAnswersExactlyAndFollowsNewBatches) {
    batches_.write(conn_, 5, 500, 2);
    auto api = start_api("index");
    const int port = api->port();
    ASSERT_TRUE(wait_until([&] {
        return test::http_get(port, "/v1/trips/cells").header("x-tripstream-engine") == "index";
    }));
    EXPECT_EQ(expect_exact_over_http(port, 2), "index");
    batches_.write(conn_, 3, 300, 3);
    ASSERT_TRUE(wait_until([&] {
        return test::http_get(port, "/v1/trips/cells").json()["total_trips"] == stored_trips();
    }));
    EXPECT_EQ(expect_exact_over_http(port, 3), "index");

    // A server without the in-memory aggregate answers from SQL, the same.
    auto sql = start_api("database", "database");
    EXPECT_EQ(expect_exact_over_http(sql->port(), 3), "database");

    for (const std::string bad :
         {"step=abc", "step=0", "step=401", "step=", "end=both", "bbox=1,2,3", "bbox=5,0,1,1",
          "bbox=0,0,1,91", "from=2026-02-30", "to=tomorrow", "from=2026-03-01&to=2026-02-01",
          "region=Atlantis", "zoom=3"}) {
        const auto answer = test::http_get(port, "/v1/trips/cells?" + bad);
        EXPECT_EQ(answer.status, 400) << bad << ": " << answer.body;
        EXPECT_EQ(answer.header("content-type"), "application/problem+json") << bad;
    }
    EXPECT_EQ(test::http_get(port, "/v1/trips/cells?step=2&step=3").status, 400);
    EXPECT_EQ(test::http_get(port, "/v1/regions?region=Prague").status, 400);
}

}  // namespace
}  // namespace tripstream::query
