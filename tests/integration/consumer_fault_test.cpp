// Exactly-once under faults, with the real executables, broker and database: three
// consumers ingest while one of them is SIGKILLed and restarted several times and
// PostgreSQL is restarted once. At the end the database holds exactly the accepted rows
// (count and fingerprint), the aggregate agrees with the raw rows, the rejected rows are
// exactly the broken rows, and the job is complete.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "support/child_process.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/producer/trip_producer.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

int rows_for_test() {
    const char* v = std::getenv("TRIPSTREAM_FAULT_ROWS");
    return v != nullptr ? std::atoi(v) : 200000;
}

struct Scenario {
    std::string trips = test::unique_name("it-ft-trips");
    std::string dead = trips + ".dlq";
    std::string jobs = trips + ".jobs";
    std::string group = trips;  // test::program_env's consumer group
    std::filesystem::path dir = std::filesystem::temp_directory_path() / trips;
};

std::map<std::string, std::string> consumer_env(const Scenario& s) {
    auto env = test::program_env(s.trips);
    env["BATCH_SIZE"] = "5000";
    env["BATCH_MAX_WAIT_MS"] = "200";
    return env;
}

std::unique_ptr<test::ChildProcess> start_consumer(const Scenario& s, int n) {
    return std::make_unique<test::ChildProcess>(
        std::string(TRIPSTREAM_BINARY_DIR) + "/consumer/tripstream-consumer",
        std::vector<std::string>{"--id", "fault-test-" + std::to_string(n)}, consumer_env(s),
        (s.dir / ("consumer-" + std::to_string(n) + ".log")).string());
}

bool job_completed(pqxx::connection& conn, const std::string& job_id) {
    pqxx::work tx(conn);
    return tx
        .exec_params1(
            "SELECT completed_at IS NOT NULL FROM tripstream.ingestion_jobs"
            " WHERE job_id = $1",
            job_id)[0]
        .as<bool>();
}

TEST(ConsumerFaults, ExactlyOnceThroughSigkillsAndADatabaseRestart) {
    const Scenario s;
    std::filesystem::create_directories(s.dir);
    const Config& config = test::stack_config();
    db::migrate(config.database.url);
    kafka::KafkaAdmin admin(config.kafka.bootstrap_servers);
    admin.ensure_topic({s.trips, 12, {}});
    admin.ensure_topic({s.dead, 3, {}});
    admin.ensure_topic({s.jobs, 1, {{"cleanup.policy", "compact"}}});

    const int rows = rows_for_test();
    const std::string csv = (s.dir / "input.csv").string();
    const test::TripsFile file = test::write_trips_csv(csv, rows, 7);
    const test::TripFingerprint expected = test::fingerprint_of_csv(csv);
    ASSERT_EQ(expected.count, rows);

    std::vector<std::unique_ptr<test::ChildProcess>> consumers;
    for (int i = 0; i < 3; ++i)
        consumers.push_back(start_consumer(s, i));

    // Produce at a bounded rate so that the faults below land in the middle of ingestion.
    ProducerOptions po;
    po.topic = s.trips;
    po.dead_letter_topic = s.dead;
    po.jobs_topic = s.jobs;
    po.partitions = 12;
    po.job_id = new_job_id();
    po.rate_limit = static_cast<uint64_t>(rows / 25);  // about 25 s of producing
    ProducerSummary summary;
    std::jthread producer_thread([&] { summary = test::produce_file(po, csv); });

    // Faults, each while ingestion is under way (asserted): SIGKILL each consumer in turn
    // and restart it, then restart the database while everything runs.
    const std::string job = job_id_to_string(po.job_id);
    auto conn = std::make_unique<pqxx::connection>(config.database.url);
    const auto started = std::chrono::steady_clock::now();
    while (test::trips_stored(*conn, job) == 0 &&
           std::chrono::steady_clock::now() - started < 60s) {
        std::this_thread::sleep_for(100ms);
    }
    // The database restart first, while all three consumers are writing (after a SIGKILL the
    // group pauses until the victim's session times out, and a restart then would hit no one).
    std::this_thread::sleep_for(2s);
    EXPECT_LT(test::trips_stored(*conn, job), rows)
        << "database restart came after ingestion finished";
    conn.reset();  // the restart breaks it anyway
    ASSERT_EQ(test::run_command(std::string(TRIPSTREAM_SOURCE_DIR) + "/scripts/stack restart-db"),
              0);
    conn = std::make_unique<pqxx::connection>(config.database.url);
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(3s);
        const int64_t stored = test::trips_stored(*conn, job);
        EXPECT_GT(stored, 0);
        EXPECT_LT(stored, rows) << "fault " << round << " came after ingestion finished";
        const int victim = round % 3;
        consumers[victim]->signal(SIGKILL);
        EXPECT_EQ(consumers[victim]->wait(), 128 + SIGKILL);
        consumers[victim] = start_consumer(s, victim);
    }
    producer_thread.join();
    ASSERT_TRUE(summary.ok()) << summary.error;
    ASSERT_EQ(summary.rows_sent, static_cast<uint64_t>(rows));
    ASSERT_EQ(summary.rows_rejected, static_cast<uint64_t>(file.broken_rows));

    pqxx::connection verify(config.database.url);
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (!job_completed(verify, job) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(500ms);
    }
    for (auto& c : consumers)
        c->signal(SIGTERM);
    for (auto& c : consumers)
        EXPECT_EQ(c->wait(), 0);

    ASSERT_TRUE(job_completed(verify, job)) << "job not complete within 180 s; logs in " << s.dir;
    EXPECT_EQ(test::fingerprint_of_job(config.database.url, job), expected);

    pqxx::work tx(verify);
    // No trip stored twice: (time, origin) is unique in generated data.
    const auto distinct = tx.exec_params1(
        "SELECT count(DISTINCT (t.trip_time, ST_X(t.origin), ST_Y(t.origin)))"
        " FROM tripstream.trips t JOIN tripstream.ingestion_jobs j USING (job_seq)"
        " WHERE j.job_id = $1",
        job);
    EXPECT_EQ(distinct[0].as<int64_t>(), rows);
    // Rejected rows: exactly the broken ones, recorded from the dead-letter topic.
    const auto rejected = tx.exec_params1(
        "SELECT count(*), count(DISTINCT line) FROM tripstream.rejected_rows"
        " WHERE job_id = $1 AND stage = 'producer'",
        job);
    EXPECT_EQ(rejected[0].as<int>(), file.broken_rows);
    EXPECT_EQ(rejected[1].as<int>(), file.broken_rows);
    // The stored offsets cover every message of the trips topic.
    const auto ends = admin.end_offsets(s.trips);
    int64_t end_total = 0;
    for (auto e : ends)
        end_total += e;
    const auto stored = tx.exec_params1(
        "SELECT coalesce(sum(next_offset), 0) FROM tripstream.kafka_offsets"
        " WHERE consumer_group = $1 AND topic = $2",
        s.group, s.trips);
    EXPECT_EQ(stored[0].as<int64_t>(), end_total);
    // Both aggregates agree with the raw rows, key for key, over the whole database.
    const auto mismatches = tx.exec1(R"sql(
        WITH raw AS (
            SELECT region_id, trip_time, coalesce(cluster_id, -1)::smallint AS cluster_id,
                   (date_trunc('week', trip_time AT TIME ZONE 'UTC'))::date AS week_start,
                   (floor((ST_Y(origin) + 90.0) / 0.05)::int * 7200
                      + floor((ST_X(origin) + 180.0) / 0.05)::int) AS o_cell,
                   (floor((ST_Y(destination) + 90.0) / 0.05)::int * 7200
                      + floor((ST_X(destination) + 180.0) / 0.05)::int) AS d_cell
              FROM tripstream.trips),
        cells AS (SELECT region_id, week_start, o_cell, d_cell, count(*)::int AS trips
                    FROM raw GROUP BY 1, 2, 3, 4),
        clusters AS (SELECT region_id, week_start, cluster_id,
                            (extract(hour FROM trip_time AT TIME ZONE 'UTC')::int / 4)::smallint,
                            count(*)::int AS trips
                       FROM raw GROUP BY 1, 2, 3, 4)
        SELECT (SELECT count(*) FROM (SELECT * FROM cells
                  EXCEPT SELECT region_id, week_start, o_cell, d_cell, trips
                           FROM tripstream.trip_cell_counts) a),
               (SELECT count(*) FROM (SELECT region_id, week_start, o_cell, d_cell, trips
                                        FROM tripstream.trip_cell_counts EXCEPT SELECT * FROM cells) b),
               (SELECT count(*) FROM (SELECT * FROM clusters
                  EXCEPT SELECT region_id, week_start, cluster_id, tod_bucket, trips
                           FROM tripstream.trip_cluster_counts) c),
               (SELECT count(*) FROM (SELECT region_id, week_start, cluster_id, tod_bucket, trips
                                        FROM tripstream.trip_cluster_counts EXCEPT SELECT * FROM clusters) d))sql");
    EXPECT_EQ(mismatches[0].as<int64_t>(), 0) << "cell counts missing or wrong";
    EXPECT_EQ(mismatches[1].as<int64_t>(), 0) << "cell counts without raw trips";
    EXPECT_EQ(mismatches[2].as<int64_t>(), 0) << "cluster counts missing or wrong";
    EXPECT_EQ(mismatches[3].as<int64_t>(), 0) << "cluster counts without raw trips";
    // What the consumers went through, for the record (ctest -V shows it).
    int retries = 0;
    int fenced = 0;
    for (const auto& entry : std::filesystem::directory_iterator(s.dir)) {
        std::ifstream log(entry.path());
        for (std::string line; std::getline(log, line);) {
            retries += line.find("database unavailable") != std::string::npos;
            fenced += line.find("batch abandoned") != std::string::npos;
        }
    }
    std::cout << "fault test: " << rows << " rows, 3 SIGKILLs, 1 database restart; consumers "
              << "logged " << retries << " database retries and " << fenced << " fenced batches\n";
    EXPECT_GE(retries, 1)
        << "the database restart interrupted no consumer: the test proved nothing";
    if (!HasFailure()) std::filesystem::remove_all(s.dir);
}

}  // namespace
}  // namespace tripstream
