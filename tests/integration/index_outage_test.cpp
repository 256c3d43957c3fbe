// The in-memory index of the real tripstream-api through database outages (docs/query.md,
// "Staying live and exact"), and several APIs on one database (docs/operations.md, "Several
// API replicas"). Trips are written as the consumer writes them (BatchWriter: a batch_id and
// a notification per batch) into a scratch database of the stack's PostgreSQL; every answer
// is compared with the database engine's (query::weekly_average) on the same rows.
//
// IndexOutage: with the PostgreSQL server stopped (scripts/stack stop-db) or the API's
// connections refused, the weekly averages keep coming from the snapshot, the same as
// before and marked with Tripstream-Index-State; once the database is back the index catches
// up by batch_id, batches committed while it was away included, without a full load. A
// batch whose row count differs from its notification still makes it reload in full.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <regex>
#include <thread>

#include "support/api_metrics.hpp"
#include "support/api_process.hpp"
#include "support/consumer_batches.hpp"
#include "support/http_client.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "support/weekly_average_oracle.hpp"
#include "tripstream/api/weekly_average_handler.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/live_trip_index.hpp"
#include "tripstream/query/weekly_average_json.hpp"
#include "tripstream/time/iso_timestamp.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;
using test::api_metric;
using test::http_get;
using test::wait_until;

constexpr int kRegions = 3;

std::string target(const query::WeeklyAverageRequest& r) {
    std::string t = "/v1/trips/weekly-average?match=" + test::match_text(r.match);
    if (r.region) t += "&region=" + *r.region;
    if (r.bbox) {
        const auto s = test::shortest_double;
        t += "&bbox=" + s(r.bbox->min_lon) + "," + s(r.bbox->min_lat) + "," + s(r.bbox->max_lon) +
             "," + s(r.bbox->max_lat);
    }
    if (r.from_days) t += "&from=" + test::date_text(*r.from_days);
    if (r.to_days) t += "&to=" + test::date_text(*r.to_days);
    return t;
}

// The stack's PostgreSQL server stopped (scripts/stack stop-db) until end() or the end of
// the scope, so that a failed assertion never leaves the server down for the next test.
class ServerOutage {
  public:
    ServerOutage() : stopped_(stack("stop-db") == 0) {}
    ~ServerOutage() { end(); }
    ServerOutage(const ServerOutage&) = delete;
    ServerOutage& operator=(const ServerOutage&) = delete;

    bool stopped() const { return stopped_; }
    bool end() {
        if (!ended_) started_ = stack("start-db") == 0;
        ended_ = true;
        return started_;
    }

  private:
    static int stack(const std::string& verb) {
        return test::run_command(std::string(TRIPSTREAM_SOURCE_DIR) + "/scripts/stack " + verb);
    }

    bool stopped_;
    bool ended_ = false;
    bool started_ = false;
};

// One scratch database with batches already written; APIs on it.
class IndexTest : public ::testing::Test {
  protected:
    IndexTest()
        : database_("tripstream_index_outage_it"),
          conn_(std::make_unique<db::PgConnection>(database_.url(), "index_outage_test")),
          batches_("index-outage-test", 77),
          dir_(std::filesystem::temp_directory_path() / test::unique_name("it-index-outage")) {
        std::filesystem::create_directories(dir_);
    }

    ~IndexTest() override {
        if (!HasFailure()) std::filesystem::remove_all(dir_);  // logs stay for a failed run
    }

    std::unique_ptr<test::ApiProcess> start_api(const std::string& name) {
        auto env = test::program_env(test::unique_name("it-index-outage"));
        env["DATABASE_URL"] = database_.url();
        return std::make_unique<test::ApiProcess>(env, (dir_ / (name + ".log")).string());
    }

    // SIGTERM: the API must still stop cleanly, outages or not.
    static void stop_api(test::ApiProcess& api) {
        api.process().signal(SIGTERM);
        EXPECT_EQ(api.process().wait(), 0) << "log: " << api.log_file();
    }

    int64_t stored_trips() {
        return std::stoll(db::first_value(conn_->exec("SELECT count(*) FROM tripstream.trips")));
    }

    // Waits until the API's index follows the database and holds every stored trip.
    ::testing::AssertionResult caught_up(int port) {
        return test::index_caught_up(port, [&] { return stored_trips(); });
    }

    std::vector<query::WeeklyAverageRequest> requests(int count) {
        std::vector<query::WeeklyAverageRequest> out;
        for (int i = 0; i < count; ++i)
            out.push_back(batches_.pool().request(i, kRegions));
        return out;
    }

    // Each answer of the API at `port` comes from a following index and equals the database
    // engine's on the stored rows. Returns the answers.
    std::vector<test::HttpResult> expect_current_answers(
        int port, const std::vector<query::WeeklyAverageRequest>& rs) {
        std::vector<test::HttpResult> out;
        for (const auto& r : rs) {
            const auto response = http_get(port, target(r));
            EXPECT_EQ(response.status, 200) << target(r) << ": " << response.body;
            EXPECT_EQ(response.header("x-tripstream-engine"), "index") << target(r);
            EXPECT_EQ(response.header("tripstream-index-state"), "") << target(r);
            if (response.status == 200) {
                EXPECT_EQ(response.json(),
                          query::weekly_average_json(query::weekly_average(*conn_, r)))
                    << target(r);
            }
            out.push_back(response);
        }
        return out;
    }

    test::ScratchDatabase database_;
    std::unique_ptr<db::PgConnection> conn_;
    test::ConsumerBatches batches_;
    std::filesystem::path dir_;
};

class IndexOutage : public IndexTest {
  protected:
    void SetUp() override {
        batches_.write(*conn_, 6, 400, kRegions);
        api_ = start_api("api");
        ASSERT_TRUE(caught_up(port()));
    }

    void TearDown() override {
        if (api_) stop_api(*api_);
    }

    int port() const { return api_->port(); }
    double metric(const std::string& name) const { return api_metric(port(), name); }

    // While the index is stale: each answer is the one given before, from the index, with
    // the state header naming the time the index lost the database.
    void expect_stale_answers(const std::vector<query::WeeklyAverageRequest>& rs,
                              const std::vector<test::HttpResult>& before) {
        const double since = metric("tripstream_index_stale_since_seconds");
        EXPECT_GT(since, 0);
        const std::string state =
            "stale; since=" + format_iso_timestamp(static_cast<int64_t>(since * 1e6));
        ASSERT_TRUE(
            std::regex_match(state, std::regex(R"(stale; since=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
            << state;
        for (size_t i = 0; i < rs.size(); ++i) {
            const auto response = http_get(port(), target(rs[i]));
            EXPECT_EQ(response.status, 200) << target(rs[i]) << ": " << response.body;
            EXPECT_EQ(response.header("x-tripstream-engine"), "index") << target(rs[i]);
            EXPECT_EQ(response.header("tripstream-index-state"), state) << target(rs[i]);
            EXPECT_EQ(response.body, before[i].body) << target(rs[i]);
        }
    }

    std::unique_ptr<test::ApiProcess> api_;
};

TEST_F(IndexOutage, AnswersFromItsSnapshotWhileThePostgresServerIsDownThenCatchesUp) {
    const auto rs = requests(16);
    const auto before = expect_current_answers(port(), rs);
    const double reloads = metric("tripstream_index_reloads");
    EXPECT_EQ(reloads, 1);
    {
        ServerOutage outage;
        // It needs the stack's own server: scripts/stack must see the same TRIPSTREAM_STACK_DIR
        // and TRIPSTREAM_PG_PORT as the `scripts/stack up` that started it.
        ASSERT_TRUE(outage.stopped()) << "scripts/stack stop-db failed";
        conn_.reset();
        ASSERT_TRUE(wait_until([&] { return metric("tripstream_index_following") == 0; }));
        EXPECT_EQ(metric("tripstream_index_ready"), 1);
        expect_stale_answers(rs, before);
        std::this_thread::sleep_for(2s);  // reconnections fail meanwhile
        expect_stale_answers(rs, before);
        ASSERT_TRUE(outage.end()) << "scripts/stack start-db failed";
    }
    conn_ = std::make_unique<db::PgConnection>(database_.url(), "index_outage_test");
    // At once: most likely before the index reconnects, else heard as notifications.
    batches_.write(*conn_, 4, 300, kRegions);
    ASSERT_TRUE(caught_up(port()));
    expect_current_answers(port(), rs);
    EXPECT_EQ(metric("tripstream_index_reloads"), reloads) << "no full load after an outage";
    EXPECT_GE(metric("tripstream_index_catch_ups"), 1);
    EXPECT_EQ(metric("tripstream_index_stale_since_seconds"), 0);
}

TEST_F(IndexOutage, CatchesUpBatchesCommittedWhileItWasDisconnected) {
    // Ids taken by consumers whose batches commit later, below the newest id the index sees.
    const int64_t late = test::take_batch_ids(*conn_, 2);
    batches_.write(*conn_, 1, 300, kRegions);
    ASSERT_TRUE(caught_up(port()));
    const auto rs = requests(16);
    const auto before = expect_current_answers(port(), rs);
    const double reloads = metric("tripstream_index_reloads");
    {
        test::ConnectionLockout lockout(database_);
        const auto ended = conn_->exec(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = $2",
            {std::string(query::LiveTripIndex::kApplicationName), database_.name()});
        ASSERT_EQ(PQntuples(ended.get()), 1);
        ASSERT_TRUE(wait_until([&] { return metric("tripstream_index_following") == 0; }));
        // Their notifications reach no index: only a catch-up can find them.
        batches_.write(*conn_, 3, 300, kRegions);
        batches_.write_late(*conn_, late, 300, kRegions);
        expect_stale_answers(rs, before);
        int changed = 0;
        for (size_t i = 0; i < rs.size(); ++i) {
            changed += before[i].json() !=
                       query::weekly_average_json(query::weekly_average(*conn_, rs[i]));
        }
        EXPECT_GT(changed, 0) << "the new batches change no answer: the test proves nothing";
    }
    ASSERT_TRUE(caught_up(port()));
    expect_current_answers(port(), rs);
    EXPECT_EQ(metric("tripstream_index_reloads"), reloads) << "no full load after an outage";
    EXPECT_EQ(metric("tripstream_index_catch_ups"), 1);
}

TEST_F(IndexOutage, ReloadsInFullAfterABatchWithAnotherRowCountThanItsNotification) {
    const double reloads = metric("tripstream_index_reloads");
    const int64_t id = test::take_batch_ids(*conn_, 1);  // a batch with no rows...
    conn_->exec("SELECT pg_notify('tripstream_status', $1)",
                {"{\"batch_id\": " + std::to_string(id) + ", \"trips\": 5}"});  // ...said 5
    ASSERT_TRUE(wait_until([&] { return metric("tripstream_index_reloads") == reloads + 1; }));
    batches_.write(*conn_, 2, 300, kRegions);
    ASSERT_TRUE(caught_up(port()));
    expect_current_answers(port(), requests(12));
    EXPECT_EQ(metric("tripstream_index_catch_ups"), 0);
}

// Two APIs on one database, started before batches arrive: each keeps its own index from the
// same notifications, and they answer alike, as the database engine does.
class ApiReplicas : public IndexTest {};

TEST_F(ApiReplicas, FollowTheSameBatchesAndAnswerAlike) {
    batches_.write(*conn_, 2, 300, kRegions);
    auto first = start_api("api-1");
    auto second = start_api("api-2");
    ASSERT_TRUE(caught_up(first->port()));
    ASSERT_TRUE(caught_up(second->port()));
    constexpr int kRounds = 5;
    constexpr int kPerRound = 3;
    for (int round = 0; round < kRounds; ++round) {
        batches_.write(*conn_, kPerRound, 250, kRegions);
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(caught_up(first->port()));
    ASSERT_TRUE(caught_up(second->port()));
    for (const int port : {first->port(), second->port()}) {
        EXPECT_EQ(api_metric(port, "tripstream_index_batches_applied"), kRounds * kPerRound)
            << port;
        EXPECT_EQ(api_metric(port, "tripstream_index_reloads"), 1) << port;
    }
    const auto rs = requests(40);
    const auto one = expect_current_answers(first->port(), rs);
    const auto two = expect_current_answers(second->port(), rs);
    for (size_t i = 0; i < rs.size(); ++i)
        EXPECT_EQ(one[i].body, two[i].body) << target(rs[i]);
    stop_api(*first);
    stop_api(*second);
}

}  // namespace
}  // namespace tripstream
