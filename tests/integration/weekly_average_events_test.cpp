// GET /v1/trips/weekly-average/events against the real tripstream-api on a scratch database
// of the stack's PostgreSQL, with an API key: batches are written one at a time as the
// consumer writes them (BatchWriter: a batch_id and a notification each) while a box stream
// and a region stream are open. After each batch that changes a stream's answer an event
// comes, after a batch that does not (outside the box) none; every event equals the plain
// request at the same snapshot (Tripstream-Index-Version) and the brute-force count over the
// stored rows (the snapshot holds every stored trip: the test is the only writer). Bad
// parameters are 400 and a missing key 401 before any stream; an index that loses the
// database pushes the same answer with stale_since, then without it once it is back; the
// streams end when the server stops, and the server exits 0.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "support/api_metrics.hpp"
#include "support/api_process.hpp"
#include "support/consumer_batches.hpp"
#include "support/http_client.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "support/weekly_average_oracle.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/live_trip_index.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;
using test::http_get;

const std::string kKey = "weekly-events-key";
const std::map<std::string, std::string> kAuth = {{"Authorization", "Bearer " + kKey}};

// Around Prague's trips (tests/support/consumer_batches.cpp: within 0.15 degrees of the
// centre): many fall inside, many outside, and no Turin trip comes near it.
const std::string kBox = "14.30,49.98,14.55,50.20";
const std::string kBoxQuery = "bbox=" + kBox + "&match=both";
const std::string kRegionQuery = "region=Turin";

query::WeeklyAverageRequest box_request() {
    query::WeeklyAverageRequest r;
    r.bbox = GeoBox{14.30, 49.98, 14.55, 50.20};
    r.match = query::Match::both;
    return r;
}

query::WeeklyAverageRequest region_request() {
    query::WeeklyAverageRequest r;
    r.region = "Turin";
    return r;
}

// The answer part of an event: what the plain request returns.
nlohmann::json answer_part(nlohmann::json event) {
    event.erase("snapshot");
    event.erase("stale_since");
    return event;
}

// (week_start, trips) of an answer, event or oracle.
std::vector<std::pair<std::string, int64_t>> series_of(const nlohmann::json& answer) {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& week : answer.at("series"))
        out.emplace_back(week.at("week_start").get<std::string>(), week.at("trips").get<int64_t>());
    return out;
}

std::vector<std::pair<std::string, int64_t>> series_of(const query::WeeklyAverageResult& r) {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& week : r.series)
        out.emplace_back(test::date_text(week.week_start_days), week.trips);
    return out;
}

class WeeklyAverageEvents : public ::testing::Test {
  protected:
    WeeklyAverageEvents()
        : database_("tripstream_weekly_events_it"),
          conn_(database_.url(), "weekly_average_events_test"),
          batches_("weekly-events-test", 4242),
          dir_(std::filesystem::temp_directory_path() / test::unique_name("it-weekly-events")) {
        std::filesystem::create_directories(dir_);
    }

    ~WeeklyAverageEvents() override {
        if (!HasFailure()) std::filesystem::remove_all(dir_);  // logs stay for a failed run
    }

    void SetUp() override {
        batches_.write(conn_, 3, 200, 3);
        auto env = test::program_env(test::unique_name("it-weekly-events"));
        env["DATABASE_URL"] = database_.url();
        env["API_KEY"] = kKey;
        api_ = std::make_unique<test::ApiProcess>(env, (dir_ / "api.log").string());
        ASSERT_TRUE(caught_up());
    }

    void TearDown() override {
        if (api_ && api_->process().running()) stop_api();
    }

    void stop_api() {
        api_->process().signal(SIGTERM);
        EXPECT_EQ(api_->process().wait(), 0) << "log: " << api_->log_file();
    }

    int port() const { return api_->port(); }

    int64_t stored_trips() {
        return std::stoll(db::first_value(conn_.exec("SELECT count(*) FROM tripstream.trips")));
    }

    // The index follows the database and holds every stored trip.
    ::testing::AssertionResult caught_up() {
        return test::index_caught_up(port(), [&] { return stored_trips(); });
    }

    std::unique_ptr<test::EventStreamReader> open(const std::string& query) {
        auto stream = std::make_unique<test::EventStreamReader>(
            port(), "/v1/trips/weekly-average/events?" + query, kAuth);
        EXPECT_EQ(stream->status(), 200) << query;
        EXPECT_EQ(stream->content_type(), "text/event-stream") << query;
        return stream;
    }

    // The next `answer` event's data; null when none comes within `timeout`.
    static nlohmann::json next_answer(test::EventStreamReader& stream,
                                      std::chrono::milliseconds timeout) {
        const auto event = stream.next(timeout);
        if (!event) return nullptr;
        EXPECT_EQ(event->event, "answer") << event->data;
        return nlohmann::json::parse(event->data);
    }

    // An event at a quiet point: the plain request at the same snapshot answers the same, and
    // the snapshot holds every stored trip, whose brute-force count it equals.
    void expect_exact(const nlohmann::json& event, const std::string& query,
                      const query::WeeklyAverageRequest& request) {
        ASSERT_TRUE(event.is_object()) << query;
        const auto plain = http_get(port(), "/v1/trips/weekly-average?" + query, kAuth);
        ASSERT_EQ(plain.status, 200) << plain.body;
        EXPECT_EQ(plain.header("tripstream-index-version"),
                  std::to_string(event["snapshot"]["version"].get<uint64_t>()))
            << query;
        EXPECT_EQ(plain.json(), answer_part(event)) << query;
        EXPECT_EQ(event["snapshot"]["trips"], stored_trips()) << query;
        const auto oracle = test::brute_force_weekly_average(conn_, request);
        EXPECT_EQ(event["total_trips"], oracle.total_trips) << query;
        EXPECT_EQ(series_of(event), series_of(oracle)) << query;
        EXPECT_TRUE(event["stale_since"].is_null()) << query;
    }

    test::ScratchDatabase database_;
    db::PgConnection conn_;
    test::ConsumerBatches batches_;
    std::filesystem::path dir_;
    std::unique_ptr<test::ApiProcess> api_;
};

TEST_F(WeeklyAverageEvents, PushesExactlyTheBatchesThatChangeTheAnswer) {
    auto box = open(kBoxQuery);
    auto region = open(kRegionQuery);
    auto box_answer = next_answer(*box, 5s);
    auto region_answer = next_answer(*region, 5s);
    expect_exact(box_answer, kBoxQuery, box_request());
    expect_exact(region_answer, kRegionQuery, region_request());
    EXPECT_EQ(test::api_metric(port(), "tripstream_weekly_average_subscribers"), 2);

    // Turin only (far outside the box), or Turin and Prague; one batch at a time.
    int box_events = 0;
    for (const int regions : {2, 1, 2, 1, 2}) {
        const auto box_before = test::brute_force_weekly_average(conn_, box_request());
        batches_.write(conn_, 1, 150, regions);
        ASSERT_TRUE(caught_up());
        const auto box_after = test::brute_force_weekly_average(conn_, box_request());
        const bool box_changed = series_of(box_before) != series_of(box_after);
        if (regions == 1) {
            EXPECT_FALSE(box_changed) << "a Turin trip in the Prague box";
        }

        // Every batch has Turin trips: the region's answer changes each time.
        region_answer = next_answer(*region, 5s);
        expect_exact(region_answer, kRegionQuery, region_request());
        if (box_changed) {
            box_answer = next_answer(*box, 5s);
            expect_exact(box_answer, kBoxQuery, box_request());
            ++box_events;
        }
        // Nothing more on either stream: the batch was one snapshot, and an unchanged answer
        // is not sent again.
        EXPECT_EQ(next_answer(*box, 1s), nullptr) << "batch over " << regions << " regions";
        EXPECT_EQ(next_answer(*region, 300ms), nullptr);
    }
    EXPECT_GE(box_events, 2) << "the Prague batches were meant to change the box's answer";

    // A burst of batches: at most 4 events a second, the last one the newest snapshot's.
    const auto burst_started = std::chrono::steady_clock::now();
    for (int i = 0; i < 8; ++i)
        batches_.write(conn_, 1, 20, 1);
    ASSERT_TRUE(caught_up());
    int burst_events = 0;
    nlohmann::json last;
    for (;;) {
        auto event = next_answer(*region, 1500ms);
        if (event.is_null()) break;
        last = std::move(event);
        ++burst_events;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - burst_started).count();
    EXPECT_GE(burst_events, 1);
    EXPECT_LE(burst_events, 1 + static_cast<int>(seconds * 4)) << "in " << seconds << " s";
    expect_exact(last, kRegionQuery, region_request());
}

TEST_F(WeeklyAverageEvents, RefusesBadRequestsBeforeAnyStream) {
    const auto expect_400 = [&](const std::string& query, const std::string& parameter) {
        const auto r = http_get(port(), "/v1/trips/weekly-average/events?" + query, kAuth);
        EXPECT_EQ(r.status, 400) << query << ": " << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json") << query;
        EXPECT_EQ(r.json()["parameter"], parameter) << query << ": " << r.body;
        // The plain request refuses it the same way.
        const auto plain = http_get(port(), "/v1/trips/weekly-average?" + query, kAuth);
        EXPECT_EQ(plain.status, 400) << query;
        EXPECT_EQ(plain.body, r.body) << query;
    };
    expect_400("bbox=14.5,50,14.4,50.1", "bbox");
    expect_400("region=Atlantis", "region");
    expect_400("region=Turin&from=2026-02-30", "from");
    expect_400("region=Turin&match=all", "match");
    expect_400("region=Turin&bbbox=1,2,3,4", "bbbox");
    expect_400("", "region");

    const auto anonymous = http_get(port(), "/v1/trips/weekly-average/events?" + kRegionQuery);
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(anonymous.json()["parameter"], "Authorization");
    test::EventStreamReader wrong_key(port(), "/v1/trips/weekly-average/events?" + kRegionQuery,
                                      {{"X-API-Key", "not-the-key"}});
    EXPECT_EQ(wrong_key.status(), 401);
}

TEST_F(WeeklyAverageEvents, AStaleIndexIsPushedThenItsReturn) {
    auto region = open(kRegionQuery);
    const auto first = next_answer(*region, 5s);
    expect_exact(first, kRegionQuery, region_request());
    {
        // The index's connection ends and it cannot open another: the same answer, stale.
        test::ConnectionLockout lockout(database_);
        conn_.exec(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = $2",
            {std::string(query::LiveTripIndex::kApplicationName), database_.name()});
        const auto stale = next_answer(*region, 10s);
        ASSERT_TRUE(stale.is_object()) << "no event for the stale index";
        EXPECT_TRUE(stale["stale_since"].is_string()) << stale;
        EXPECT_EQ(answer_part(stale), answer_part(first));
        EXPECT_EQ(stale["snapshot"], first["snapshot"]);
        const auto plain = http_get(port(), "/v1/trips/weekly-average?" + kRegionQuery, kAuth);
        EXPECT_EQ(plain.header("tripstream-index-state"),
                  "stale; since=" + stale["stale_since"].get<std::string>());
    }
    // Back: it catches up (nothing new was committed) and says so.
    const auto back = next_answer(*region, 40s);
    ASSERT_TRUE(back.is_object()) << "no event for the index's return";
    EXPECT_TRUE(back["stale_since"].is_null()) << back;
    EXPECT_EQ(answer_part(back), answer_part(first));
    ASSERT_TRUE(caught_up());
    batches_.write(conn_, 1, 50, 1);
    ASSERT_TRUE(caught_up());
    expect_exact(next_answer(*region, 5s), kRegionQuery, region_request());
}

TEST_F(WeeklyAverageEvents, StreamsEndWhenTheServerStops) {
    auto box = open(kBoxQuery);
    auto region = open(kRegionQuery);
    ASSERT_TRUE(next_answer(*box, 5s).is_object());
    ASSERT_TRUE(next_answer(*region, 5s).is_object());
    stop_api();
    EXPECT_EQ(box->next(5s), std::nullopt);
    EXPECT_TRUE(box->ended());
    EXPECT_EQ(region->next(5s), std::nullopt);
    EXPECT_TRUE(region->ended());
}

}  // namespace
}  // namespace tripstream
