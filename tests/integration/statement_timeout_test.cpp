// statement_timeout on every request session (issue 12): the request pool's connections
// cancel a statement that runs past the pool's limit (SQLSTATE 57014) and stay usable, a
// plain connection (the consumer's kind) has no such limit, and every database-backed handler
// whose query waits on a table locked by another session answers 503 problem+json within
// about the limit, never 500 and never a hang.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "tripstream/api/cluster_handlers.hpp"
#include "tripstream/api/rejected_rows_handler.hpp"
#include "tripstream/api/status_handlers.hpp"
#include "tripstream/api/status_hub.hpp"
#include "tripstream/api/weekly_average_handler.hpp"
#include "tripstream/db/connection_pool.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kLimit = 200ms;

TEST(StatementTimeout, PoolConnectionsCancelLongStatementsAndStayUsable) {
    test::ScratchDatabase db("it_stmt_timeout", false);
    db::ConnectionPool pool(db.url(), "tripstream-api-test", 2, 5s, kLimit);
    {
        auto conn = pool.acquire();
        EXPECT_EQ(db::first_value(conn->exec("SHOW statement_timeout")), "200ms");
        const auto started = Clock::now();
        try {
            conn->exec("SELECT pg_sleep(1)");
            ADD_FAILURE() << "pg_sleep(1) was not cancelled";
        } catch (const db::PgError& e) {
            EXPECT_TRUE(e.cancelled()) << e.what();
            EXPECT_FALSE(e.connection_lost()) << e.what();
        }
        EXPECT_LT(Clock::now() - started, 900ms);
        EXPECT_EQ(db::first_value(conn->exec("SELECT 1")), "1");  // the session survives
    }
    // Returned to the pool and leased again: still limited.
    auto again = pool.acquire();
    EXPECT_EQ(db::first_value(again->exec("SHOW statement_timeout")), "200ms");
}

TEST(StatementTimeout, OtherConnectionsAreNotLimited) {
    test::ScratchDatabase db("it_stmt_timeout", false);
    db::ConnectionPool unlimited(db.url(), "tripstream-api-test", 1);
    EXPECT_EQ(db::first_value(unlimited.acquire()->exec("SHOW statement_timeout")), "0");
    db::PgConnection consumer_like(db.url(), "tripstream-consumer-test");
    EXPECT_EQ(db::first_value(consumer_like.exec("SHOW statement_timeout")), "0");
    EXPECT_NO_THROW(consumer_like.exec("SELECT pg_sleep(0.3)"));
}

// Handlers on a pool with a 200 ms limit, and another session that holds ACCESS EXCLUSIVE
// locks on the tables they read (a stuck migration, a hung VACUUM FULL).
class LockedTables : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { database_ = std::make_unique<test::ScratchDatabase>("it_lock"); }
    static void TearDownTestSuite() { database_.reset(); }

    void SetUp() override {
        services_.config = test::stack_config();
        services_.config.database.url = database_->url();
        const std::string topic = test::unique_name("it-stmt-timeout");  // never the default
        services_.config.kafka.topic = topic;
        services_.config.kafka.dead_letter_topic = topic + ".dlq";
        services_.config.kafka.jobs_topic = topic + ".jobs";
        services_.config.api.statement_timeout_ms = static_cast<int>(kLimit.count());
        pool_ = std::make_unique<db::ConnectionPool>(database_->url(), "tripstream-api-test", 2, 5s,
                                                     kLimit);
        services_.pool = pool_.get();
        services_.log = Logger("api-test", LogLevel::error);
        locker_ = std::make_unique<db::PgConnection>(database_->url(), "locker");
    }
    void TearDown() override {
        if (locker_ && locker_->healthy()) locker_->exec("ROLLBACK");
    }

    void lock(const std::string& tables) {
        locker_->exec("BEGIN");
        locker_->exec("LOCK TABLE " + tables + " IN ACCESS EXCLUSIVE MODE");
    }

    // The handler's answer must be a 503 problem within about the limit. Without the limit
    // the handler would wait for the lock for ever: a watchdog releases it after 5 s, so such
    // a failure shows as a wrong answer instead of a hung test.
    template <typename Handler>
    void expect_cancelled(const char* what, Handler handler, bool says_timeout = true) {
        std::promise<void> answered;
        auto watchdog = std::async(std::launch::async, [this, f = answered.get_future()] {
            if (f.wait_for(5s) == std::future_status::timeout) locker_->exec("ROLLBACK");
        });
        const auto started = Clock::now();
        const http::HttpResponse r = handler();
        const auto took = Clock::now() - started;
        answered.set_value();
        watchdog.get();
        EXPECT_EQ(r.status, 503) << what << ": " << r.body;
        EXPECT_EQ(r.content_type, "application/problem+json") << what;
        EXPECT_LT(took, 3s) << what;
        const auto problem = nlohmann::json::parse(r.body);
        EXPECT_EQ(problem["status"], 503) << what;
        if (says_timeout) {
            EXPECT_NE(problem["detail"].get<std::string>().find("took longer than 200 ms"),
                      std::string::npos)
                << what << ": " << r.body;
        }
    }

    static inline std::unique_ptr<test::ScratchDatabase> database_;
    std::unique_ptr<db::ConnectionPool> pool_;
    std::unique_ptr<db::PgConnection> locker_;
    api::ApiServices services_;
};

TEST_F(LockedTables, WeeklyAverageFromTheDatabaseAnswers503) {
    lock("tripstream.regions");
    http::HttpRequest request;
    request.query = {{"region", "Prague"}};
    expect_cancelled("weekly average", [&] { return api::weekly_average(services_, request); });
}

TEST_F(LockedTables, ClustersAnswer503) {
    kmeans::RegionModel prague{"Prague", {14.4378, 50.0755}, 10, 1.0, 1, {}};
    prague.clusters.push_back({0, 10, {0, 0, 0, 0, 0, 0}, {}, {}, 0, 0, {}});
    services_.model = std::make_shared<const kmeans::KMeansModel>(
        kmeans::FeatureScaling{1000}, std::vector<kmeans::RegionModel>{prague});
    lock("tripstream.trip_cluster_counts, tripstream.regions");
    http::HttpRequest request;
    expect_cancelled("clusters", [&] { return api::list_clusters(services_, request); });
}

TEST_F(LockedTables, RejectedRowsAnswer503) {
    lock("tripstream.ingestion_jobs, tripstream.rejected_rows");
    http::HttpRequest request;
    request.path_params = {{"id", "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b11"}};
    expect_cancelled("rejected rows", [&] { return api::list_rejected_rows(services_, request); });
}

TEST_F(LockedTables, IngestionStatusAnswers503) {
    api::StatusHub hub(services_.config, *pool_, services_.log);
    services_.status = &hub;
    lock("tripstream.ingestion_jobs");
    http::HttpRequest request;
    request.path_params = {{"id", "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b11"}};
    // The status handlers' wording is theirs; the status code is what matters here.
    expect_cancelled(
        "ingestion status", [&] { return api::ingestion_status(services_, request); }, false);
    expect_cancelled(
        "job status", [&] { return api::job_status(services_, request); }, false);
}

}  // namespace
}  // namespace tripstream
