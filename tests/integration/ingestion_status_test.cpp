// read_ingestion_status against a scratch database holding hand-written rows of the tables
// the consumers fill (jobs in every state, progress on several partitions, offsets of two
// groups, consumers live, dead, stopped, failed and long gone): the states, counts, lag, rates
// and the job filter it computes from them, stalls, and that it never touches the big tables.
// Then the real API on such a database with a real Kafka topic: a stall caused by a consumer
// dying (which notifies nobody) is pushed on both event streams, and so is the recovery.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/api_process.hpp"
#include "support/http_client.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/status/status_reader.hpp"

namespace tripstream::status {
namespace {

constexpr const char* kGroup = "status-group";

// UUIDs whose last digit names the job in these tests.
std::string job_uuid(int n) {
    return "00000000-0000-4000-8000-00000000000" + std::to_string(n);
}

struct JobRow {
    std::string id;
    std::optional<std::string> producer_state;
    std::optional<int64_t> rows_sent;
    std::optional<int64_t> producer_rejected;
    std::optional<std::string> started_at;  // timestamptz text
    std::optional<std::string> finished_at;
    std::optional<std::string> completed_at;
    std::optional<std::string> error;
};

std::optional<std::string> text(const std::optional<int64_t>& v) {
    if (!v) return std::nullopt;
    return std::to_string(*v);
}

class IngestionStatusDb : public ::testing::Test {
  protected:
    test::ScratchDatabase scratch_{"it_status"};
    db::PgConnection conn_{scratch_.url(), "ingestion-status-test"};

    // A timestamptz `seconds` before the database's now, as text.
    std::string ago(double seconds) {
        return db::first_value(conn_.exec(
            "SELECT (now() - make_interval(secs => $1::float8))::text", {std::to_string(seconds)}));
    }

    void add_job(const JobRow& j) {
        conn_.exec(
            "INSERT INTO tripstream.ingestion_jobs (job_id, source, producer_state, started_at,"
            " finished_at, rows_sent, producer_rejected, rows_failed, error, completed_at)"
            " VALUES ($1, 'trips.csv', $2, $3, $4, $5, $6, 0, $7, $8)",
            {j.id, j.producer_state, j.started_at, j.finished_at, text(j.rows_sent),
             text(j.producer_rejected), j.error, j.completed_at});
    }

    void add_progress(const std::string& job, int partition, int64_t inserted, int64_t rejected,
                      const std::string& first_at) {
        conn_.exec(
            "INSERT INTO tripstream.job_partition_progress (job_seq, kafka_partition,"
            " rows_inserted, rows_rejected, first_at, last_at)"
            " SELECT job_seq, $2, $3, $4, $5, now() FROM tripstream.ingestion_jobs"
            " WHERE job_id = $1",
            {job, std::to_string(partition), std::to_string(inserted), std::to_string(rejected),
             first_at});
    }

    void add_offset(const std::string& group, const std::string& topic, int partition,
                    int64_t next) {
        conn_.exec(
            "INSERT INTO tripstream.kafka_offsets (consumer_group, topic, kafka_partition,"
            " next_offset) VALUES ($1, $2, $3, $4)",
            {group, topic, std::to_string(partition), std::to_string(next)});
    }

    void add_consumer(const std::string& id, const std::string& group, const std::string& state,
                      double heartbeat_ago, const std::string& partitions,
                      const std::optional<std::string>& error = std::nullopt) {
        conn_.exec(
            "INSERT INTO tripstream.consumers (consumer_id, consumer_group, started_at,"
            " last_heartbeat, partitions, rows_inserted, rows_rejected, batches,"
            " rows_per_second, state, error) VALUES ($1, $2, now() - interval '1 day',"
            " now() - make_interval(secs => $3::float8), $4::int[], 1000, 7, 3, 2.5, $5, $6)",
            {id, group, std::to_string(heartbeat_ago), partitions, state, error});
    }

    StatusScope scope() {
        StatusScope s;
        s.consumer_group = kGroup;
        return s;
    }

    IngestionStatus read(const StatusScope& s) { return read_ingestion_status(conn_, s); }
};

const JobStatus& find_job(const IngestionStatus& status, const std::string& id) {
    const auto it = std::find_if(status.jobs.begin(), status.jobs.end(),
                                 [&](const JobStatus& j) { return j.id == id; });
    if (it == status.jobs.end()) throw std::runtime_error("job " + id + " not in the status");
    return *it;
}

// Seven jobs, one of each kind; returns nothing, the tests look them up by job_uuid(n).
//  1 producing, nothing stored          -> queued
//  2 producing, rows on three partitions -> running, rows_sent unknown
//  3 produced, half stored               -> running with rate and ETA
//  4 produced, all stored, completed     -> completed (exact times)
//  5 failed, some stored                 -> failed
//  6 interrupted, all it sent stored     -> completed
//  7 no job record yet, nothing stored   -> queued, started when first seen
class IngestionStatusJobs : public IngestionStatusDb {
  protected:
    void SetUp() override {
        add_job({job_uuid(1), "producing", 0, 0, ago(30), {}, {}, {}});
        add_job({job_uuid(2), "producing", 0, 0, ago(60), {}, {}, {}});
        add_progress(job_uuid(2), 0, 400, 1, ago(20));
        add_progress(job_uuid(2), 1, 300, 0, ago(15));
        add_progress(job_uuid(2), 2, 300, 2, ago(20));
        add_job({job_uuid(3), "produced", 2000, 5, ago(90), ago(40), {}, {}});
        add_progress(job_uuid(3), 0, 500, 0, ago(10));
        add_progress(job_uuid(3), 3, 499, 1, ago(8));
        add_job({job_uuid(4),
                 "produced",
                 600,
                 1,
                 "2026-11-22 08:59:00Z",
                 "2026-11-22 09:00:05Z",
                 "2026-11-22 09:00:10Z",
                 {}});
        add_progress(job_uuid(4), 0, 300, 0, "2026-11-22 09:00:00Z");
        add_progress(job_uuid(4), 1, 299, 1, "2026-11-22 09:00:02Z");
        add_job({job_uuid(5),
                 "failed",
                 50,
                 0,
                 ago(300),
                 "2026-11-22 09:30:00Z",
                 {},
                 "message not acknowledged: broker down"});
        add_progress(job_uuid(5), 4, 20, 0, ago(200));
        add_job({job_uuid(6), "interrupted", 100, 0, ago(120), ago(110), ago(100), {}});
        add_progress(job_uuid(6), 5, 100, 0, ago(115));
        add_job({job_uuid(7), {}, {}, {}, {}, {}, {}, {}});
    }
};

TEST_F(IngestionStatusJobs, StatesOfEveryKindOfJob) {
    const IngestionStatus s = read(scope());
    ASSERT_EQ(s.jobs.size(), 7u);
    std::vector<std::string> order;
    for (const JobStatus& j : s.jobs)
        order.push_back(j.id);
    EXPECT_EQ(order, (std::vector<std::string>{job_uuid(7), job_uuid(6), job_uuid(5), job_uuid(4),
                                               job_uuid(3), job_uuid(2), job_uuid(1)}));
    EXPECT_EQ(find_job(s, job_uuid(1)).state, JobState::queued);
    EXPECT_EQ(find_job(s, job_uuid(2)).state, JobState::running);
    EXPECT_EQ(find_job(s, job_uuid(3)).state, JobState::running);
    EXPECT_EQ(find_job(s, job_uuid(4)).state, JobState::completed);
    EXPECT_EQ(find_job(s, job_uuid(5)).state, JobState::failed);
    EXPECT_EQ(find_job(s, job_uuid(6)).state, JobState::completed);
    EXPECT_EQ(find_job(s, job_uuid(7)).state, JobState::queued);
    EXPECT_EQ(s.state, IngestionState::ingesting);  // jobs 1 and 2 are producing
}

TEST_F(IngestionStatusJobs, CountsAreSumsOverPartitionsPlusTheProducersRejections) {
    const IngestionStatus s = read(scope());
    const JobStatus& producing = find_job(s, job_uuid(2));
    EXPECT_EQ(producing.rows_inserted, 1000);
    EXPECT_EQ(producing.rows_rejected_consumer, 3);
    EXPECT_EQ(producing.rows_rejected_producer, std::nullopt);
    EXPECT_EQ(producing.rows_rejected, 3);
    EXPECT_EQ(producing.rows_sent, std::nullopt);  // the record says 0 until the producer ends
    EXPECT_EQ(producing.producer_state, "producing");

    const JobStatus& completed = find_job(s, job_uuid(4));
    EXPECT_EQ(completed.rows_sent, 600);
    EXPECT_EQ(completed.rows_inserted, 599);
    EXPECT_EQ(completed.rows_rejected_consumer, 1);
    EXPECT_EQ(completed.rows_rejected_producer, 1);
    EXPECT_EQ(completed.rows_rejected, 2);
    EXPECT_EQ(completed.source, "trips.csv");
}

TEST_F(IngestionStatusJobs, TimesRateAndEta) {
    const IngestionStatus s = read(scope());
    constexpr int64_t k0900 = 1'795'338'000'000'000;  // 2026-11-22T09:00:00Z in microseconds
    const JobStatus& completed = find_job(s, job_uuid(4));
    EXPECT_EQ(completed.started_at_us, k0900 - 60'000'000);
    EXPECT_EQ(completed.finished_at_us, k0900 + 10'000'000);  // completion, not the producer's end
    // 600 rows between the first batch (09:00:00) and completion (09:00:10).
    EXPECT_DOUBLE_EQ(completed.rate.value_or(-1), 60.0);
    EXPECT_EQ(completed.eta_seconds, 0.0);

    // 1,000 of 2,000 rows in the 10 s since its first batch: about 100 rows/s, 10 s to go
    // (a little more: the rows were inserted a moment before the status was read).
    const JobStatus& running = find_job(s, job_uuid(3));
    ASSERT_TRUE(running.rate && running.eta_seconds);
    EXPECT_GT(*running.rate, 95.0);
    EXPECT_LE(*running.rate, 100.0);
    EXPECT_GE(*running.eta_seconds, 10.0);
    EXPECT_LT(*running.eta_seconds, 10.6);
    EXPECT_EQ(running.finished_at_us, std::nullopt);

    const JobStatus& producing = find_job(s, job_uuid(2));
    EXPECT_TRUE(producing.rate.has_value());
    EXPECT_EQ(producing.eta_seconds, std::nullopt);  // rows_sent not known yet

    const JobStatus& failed = find_job(s, job_uuid(5));
    EXPECT_EQ(failed.finished_at_us, k0900 + 1800'000'000);
    EXPECT_EQ(failed.error, "message not acknowledged: broker down");
    EXPECT_EQ(failed.eta_seconds, std::nullopt);

    const JobStatus& queued = find_job(s, job_uuid(1));
    EXPECT_EQ(queued.rate, std::nullopt);
    EXPECT_EQ(queued.eta_seconds, std::nullopt);

    // No job record: started when the consumers first saw it, which is about now.
    const JobStatus& unknown = find_job(s, job_uuid(7));
    ASSERT_TRUE(unknown.started_at_us.has_value());
    EXPECT_LE(*unknown.started_at_us, s.generated_at_us);
    EXPECT_GT(*unknown.started_at_us, s.generated_at_us - 60'000'000);
    EXPECT_EQ(unknown.producer_state, std::nullopt);
    EXPECT_EQ(unknown.source, "trips.csv");
}

TEST_F(IngestionStatusJobs, ListsTheMostRecentJobsUpToTheLimit) {
    StatusScope s = scope();
    s.job_limit = 3;
    const IngestionStatus status = read(s);
    ASSERT_EQ(status.jobs.size(), 3u);
    EXPECT_EQ(status.jobs[0].id, job_uuid(7));
    EXPECT_EQ(status.jobs[2].id, job_uuid(5));
    // The global state still sees the producing jobs that are not listed.
    EXPECT_EQ(status.state, IngestionState::ingesting);
}

TEST_F(IngestionStatusJobs, JobFilterReturnsThatJobOnly) {
    StatusScope s = scope();
    std::string upper = job_uuid(3);
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    s.job_id = upper;
    const IngestionStatus status = read(s);
    ASSERT_EQ(status.jobs.size(), 1u);
    EXPECT_EQ(status.jobs[0].id, job_uuid(3));
    EXPECT_EQ(status.jobs[0].rows_inserted, 999);
}

TEST_F(IngestionStatusJobs, UnknownOrMalformedJobIsNotFound) {
    StatusScope s = scope();
    s.job_id = job_uuid(9);
    try {
        read(s);
        FAIL() << "expected JobNotFound";
    } catch (const JobNotFound& e) {
        EXPECT_EQ(e.job_id(), job_uuid(9));
    }
    s.job_id = "'; DROP TABLE tripstream.trips; --";
    EXPECT_THROW(read(s), JobNotFound);
    // The snapshot was rolled back: the connection is usable and outside a transaction.
    EXPECT_EQ(PQtransactionStatus(conn_.get()), PQTRANS_IDLE);
    EXPECT_EQ(read(scope()).jobs.size(), 7u);
}

TEST_F(IngestionStatusDb, IdleWhenNothingProducesAndNothingLags) {
    add_consumer("reader", kGroup, "running", 1, "{0}");  // lag without one is a stall
    add_job({job_uuid(1), "produced", 10, 0, ago(60), ago(50), ago(40), {}});
    add_progress(job_uuid(1), 0, 10, 0, ago(45));
    add_offset(kGroup, "trips", 0, 10);
    StatusScope s = scope();
    s.topics = {{"trips", std::vector<int64_t>{10}}};
    EXPECT_EQ(read(s).state, IngestionState::idle);

    s.topics = {{"trips", std::vector<int64_t>{11}}};  // one message to read
    EXPECT_EQ(read(s).state, IngestionState::ingesting);

    s.topics = {{"trips", std::nullopt}};  // Kafka not asked: lag unknown, not assumed
    EXPECT_EQ(read(s).state, IngestionState::idle);

    add_job({job_uuid(2), "producing", 0, 0, ago(5), {}, {}, {}});
    s.topics = {{"trips", std::vector<int64_t>{10}}};
    EXPECT_EQ(read(s).state, IngestionState::ingesting);
}

TEST_F(IngestionStatusDb, LagComparesKafkasEndsWithTheGroupsStoredOffsets) {
    add_consumer("reader", kGroup, "running", 1, "{0}");  // lag without one is a stall
    add_offset(kGroup, "trips", 0, 100);
    add_offset(kGroup, "trips", 1, 150);
    add_offset(kGroup, "trips.dlq", 0, 5);
    add_offset(kGroup, "trips.jobs", 0, 7);
    add_offset("another-group", "trips", 2, 300);
    add_offset("another-group", "trips", 1, 200);
    StatusScope s = scope();
    s.topics = {{"trips", std::vector<int64_t>{100, 200, 300}},
                {"trips.dlq", std::vector<int64_t>{5}},
                {"trips.jobs", std::nullopt}};
    const IngestionStatus status = read(s);
    ASSERT_EQ(status.partitions.size(), 5u);
    EXPECT_EQ(status.partitions[0], (PartitionLag{"trips", 0, 100, 100, 0}));
    EXPECT_EQ(status.partitions[1], (PartitionLag{"trips", 1, 200, 150, 50}));
    EXPECT_EQ(status.partitions[2], (PartitionLag{"trips", 2, 300, std::nullopt, 300}));
    EXPECT_EQ(status.partitions[3], (PartitionLag{"trips.dlq", 0, 5, 5, 0}));
    EXPECT_EQ(status.partitions[4], (PartitionLag{"trips.jobs", 0, std::nullopt, 7, std::nullopt}));
    EXPECT_EQ(status.total_lag, std::nullopt);

    s.topics[2].end_offsets = std::vector<int64_t>{9};
    const IngestionStatus known = read(s);
    EXPECT_EQ(known.total_lag, 352);
    EXPECT_EQ(known.state, IngestionState::ingesting);
}

TEST_F(IngestionStatusDb, ConsumersOfTheGroupWithLiveness) {
    add_consumer("live", kGroup, "running", 2, "{0,2,4}");
    add_consumer("dead", kGroup, "running", 60, "{1,3}");
    add_consumer("stopped", kGroup, "stopped", 10, "{}");
    add_consumer("long-gone", kGroup, "running", 7200, "{5}");
    add_consumer("other", "another-group", "running", 1, "{0}");
    const IngestionStatus status = read(scope());
    ASSERT_EQ(status.consumers.size(), 3u);
    const ConsumerStatus& live = status.consumers[0];
    EXPECT_EQ(live.id, "live");
    EXPECT_TRUE(live.live);
    EXPECT_EQ(live.group, kGroup);
    EXPECT_EQ(live.partitions, (std::vector<int32_t>{0, 2, 4}));
    EXPECT_EQ(live.rows_inserted, 1000);
    EXPECT_EQ(live.rows_rejected, 7);
    EXPECT_EQ(live.batches, 3);
    EXPECT_DOUBLE_EQ(live.rows_per_second, 2.5);
    EXPECT_EQ(live.state, "running");
    EXPECT_NEAR(static_cast<double>(status.generated_at_us - live.last_heartbeat_us), 2e6, 1e6);
    EXPECT_EQ(status.consumers[1].id, "stopped");
    EXPECT_FALSE(status.consumers[1].live);
    EXPECT_TRUE(status.consumers[1].partitions.empty());
    EXPECT_EQ(status.consumers[2].id, "dead");
    EXPECT_FALSE(status.consumers[2].live);  // says running, but no heartbeat for 60 s
    EXPECT_EQ(status.consumers[2].state, "dead");
    EXPECT_EQ(status.consumers[1].state, "stopped");
    EXPECT_EQ(status.consumers[0].error, std::nullopt);

    StatusScope patient = scope();
    patient.consumer_live_window = std::chrono::seconds(120);
    patient.consumer_history = std::chrono::seconds(3 * 3600);
    const IngestionStatus longer = read(patient);
    ASSERT_EQ(longer.consumers.size(), 4u);
    EXPECT_TRUE(longer.consumers[2].live);
    EXPECT_EQ(longer.consumers[3].id, "long-gone");
}

TEST_F(IngestionStatusDb, ConsumersThatFailedOrDiedLeaveTheLagStalled) {
    add_job({job_uuid(1), "produced", 100, 0, ago(60), ago(50), {}, {}});
    add_progress(job_uuid(1), 0, 40, 0, ago(45));
    add_job({job_uuid(2), "produced", 10, 0, ago(60), ago(50), ago(40), {}});  // completed
    add_offset(kGroup, "trips", 0, 40);
    add_consumer("failed-1", kGroup, "failed", 3, "{}",
                 "storing batch at trips/0@40: value too long for type character varying(64)");
    add_consumer("failed-2", kGroup, "failed", 4, "{}",
                 "storing batch at trips/0@40: value too long for type character varying(64)");
    add_consumer("killed", kGroup, "running", 16, "{0}");  // 16 s: past the 15 s expiry
    StatusScope s = scope();
    s.topics = {{"trips", std::vector<int64_t>{100}}};  // 60 messages wait
    IngestionStatus status = read(s);
    EXPECT_EQ(status.state, IngestionState::stalled);
    EXPECT_EQ(status.reason,
              "no live consumer in group 'status-group' while messages wait in Kafka; "
              "2 consumers failed: storing batch at trips/0@40: value too long for type "
              "character varying(64); 1 consumer dead (no heartbeat for 15 s)");
    ASSERT_EQ(status.consumers.size(), 3u);
    EXPECT_EQ(status.consumers[0].state, "failed");
    EXPECT_EQ(status.consumers[0].error,
              "storing batch at trips/0@40: value too long for type character varying(64)");
    EXPECT_EQ(status.consumers[2].state, "dead");
    EXPECT_EQ(find_job(status, job_uuid(1)).state, JobState::stalled);
    EXPECT_EQ(find_job(status, job_uuid(1)).reason, status.reason);
    EXPECT_EQ(find_job(status, job_uuid(2)).state, JobState::completed);

    // One job alone says the same (GET /v1/ingestions/{id} and its stream).
    StatusScope one = s;
    one.job_id = job_uuid(1);
    EXPECT_EQ(read(one).jobs.at(0).state, JobState::stalled);

    // A live consumer takes over: no stall, but the failures stay visible.
    add_consumer("restarted", kGroup, "running", 1, "{0}");
    status = read(s);
    EXPECT_EQ(status.state, IngestionState::ingesting);
    EXPECT_EQ(find_job(status, job_uuid(1)).state, JobState::running);
    EXPECT_EQ(find_job(status, job_uuid(1)).reason, std::nullopt);
    ASSERT_TRUE(status.reason.has_value());
    EXPECT_NE(status.reason->find("2 consumers failed: "), std::string::npos) << *status.reason;
    EXPECT_NE(status.reason->find("1 live consumer carries on"), std::string::npos);

    // Nothing left to read: idle, whatever became of the consumers.
    conn_.exec("DELETE FROM tripstream.consumers WHERE consumer_id = 'restarted'");
    s.topics = {{"trips", std::vector<int64_t>{40}}};
    status = read(s);
    EXPECT_EQ(status.state, IngestionState::idle);
    EXPECT_EQ(find_job(status, job_uuid(1)).state, JobState::running);
}

// The status must stay cheap at 100 million trips: with the big tables locked by another
// session, reading it neither waits nor fails.
TEST_F(IngestionStatusDb, NeverTouchesTripsOrRejectedRows) {
    add_job({job_uuid(1), "producing", 0, 0, ago(5), {}, {}, {}});
    db::PgConnection locker(scratch_.url(), "ingestion-status-test-locker");
    locker.exec("BEGIN");
    locker.exec(
        "LOCK TABLE tripstream.trips, tripstream.rejected_rows, tripstream.trip_cell_counts,"
        " tripstream.trip_cluster_counts IN ACCESS EXCLUSIVE MODE");
    conn_.exec("SET lock_timeout = '1s'");
    EXPECT_EQ(read(scope()).jobs.size(), 1u);
    // The check can fail: a query that does read trips times out on the lock.
    try {
        conn_.exec("SELECT count(*) FROM tripstream.trips");
        ADD_FAILURE() << "the lock did not block a reader of trips";
    } catch (const db::PgError& e) {
        EXPECT_EQ(e.sqlstate(), "55P03") << e.what();
    }
    locker.exec("ROLLBACK");
}

TEST_F(IngestionStatusDb, RefusesToRunInsideTheCallersTransaction) {
    conn_.exec("BEGIN");
    EXPECT_THROW(read(scope()), std::logic_error);
    EXPECT_EQ(PQtransactionStatus(conn_.get()), PQTRANS_INTRANS);  // the caller's, untouched
    conn_.exec("ROLLBACK");
    EXPECT_NO_THROW(read(scope()));
    EXPECT_EQ(PQtransactionStatus(conn_.get()), PQTRANS_IDLE);
}

// --- the API's event streams: a stall nobody notifies is pushed all the same -------------

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A status event's JSON, or null once `deadline` passes or the stream ends.
nlohmann::json next_status(test::EventStreamReader& stream, Clock::time_point deadline) {
    while (Clock::now() < deadline) {
        const auto e = stream.next(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now() + 1ms));
        if (!e) return nullptr;
        if (e->event == "status") return nlohmann::json::parse(e->data);
    }
    return nullptr;
}

// Reads status events until `accept` holds for one (returned, with when it arrived) or
// `deadline` passes (null).
template <typename Accept>
std::pair<nlohmann::json, Clock::time_point> wait_for(test::EventStreamReader& stream,
                                                      Clock::time_point deadline, Accept accept) {
    while (true) {
        nlohmann::json j = next_status(stream, deadline);
        if (j.is_null() || accept(j)) return {j, Clock::now()};
    }
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const nlohmann::json* consumer_named(const nlohmann::json& status, const std::string& id) {
    for (const auto& c : status["consumers"])
        if (c["id"] == id) return &c;
    return nullptr;
}

// The real API on a scratch database and its own topics; the consumers are rows written by
// the test (a real consumer cannot be made to die on cue), the lag is real: an upload through
// the API puts messages in Kafka that nobody reads.
TEST_F(IngestionStatusDb, AStallNobodyNotifiesIsPushedOnBothStreams) {
    const std::string topic = test::unique_name("it-stall");
    const auto dir = std::filesystem::temp_directory_path() / topic;
    std::filesystem::create_directories(dir);
    auto env = test::program_env(topic);
    env["DATABASE_URL"] = scratch_.url();
    const std::string group = topic;  // program_env's consumer group

    // One live consumer whose heartbeat expires in 15 s, and one that failed.
    add_consumer("failed", group, "failed", 1, "{}", "poison message at " + topic + "/0@7");
    add_consumer("doomed", group, "running", 0, "{0,1,2}");
    const double expires_in = std::stod(db::first_value(
        conn_.exec("SELECT extract(epoch FROM last_heartbeat + interval '15 s' - clock_timestamp())"
                   " FROM tripstream.consumers WHERE consumer_id = 'doomed'")));
    const Clock::time_point expiry =
        Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(expires_in * 1000));

    test::ApiProcess api(env, (dir / "api.log").string());
    const auto csv = dir / "trips.csv";
    test::write_trips_csv(csv.string(), 300, 3);
    const auto accepted = test::http_request(
        api.port(), {"POST", "/v1/ingestions", {{"Content-Type", "text/csv"}}, read_file(csv)});
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    const std::string job = accepted.json()["job_id"];

    test::EventStreamReader all(api.port(), "/v1/ingestion/events");
    test::EventStreamReader one(api.port(), "/v1/ingestions/" + job + "/events");
    ASSERT_EQ(all.status(), 200);
    ASSERT_EQ(one.status(), 200);
    ASSERT_LT(Clock::now() + 2s, expiry) << "the set-up took too long to see the expiry";

    // Before the expiry: ingesting, the failure visible, the job queued.
    const auto [before, before_at] = wait_for(all, expiry - 1s, [](const nlohmann::json& j) {
        return j["total_lag"].is_number() && j["total_lag"].get<int64_t>() > 0;
    });
    ASSERT_FALSE(before.is_null()) << "no status with the upload's lag before the expiry";
    EXPECT_EQ(before["state"], "ingesting");
    EXPECT_EQ(before["reason"],
              "1 consumer failed: poison message at " + topic + "/0@7; 1 live consumer carries on");
    ASSERT_NE(consumer_named(before, "failed"), nullptr);
    EXPECT_EQ((*consumer_named(before, "failed"))["state"], "failed");
    EXPECT_EQ((*consumer_named(before, "failed"))["error"], "poison message at " + topic + "/0@7");
    EXPECT_EQ((*consumer_named(before, "doomed"))["state"], "running");
    const auto queued = next_status(one, Clock::now() + 5s);
    ASSERT_FALSE(queued.is_null());
    EXPECT_EQ(queued["state"], "queued");
    EXPECT_TRUE(queued["reason"].is_null());

    // The doomed consumer's heartbeat expires: nobody commits, nobody notifies, the client
    // asks nothing, and yet the stall arrives within moments of the expiry.
    const auto [stalled, stalled_at] = wait_for(
        all, expiry + 10s, [](const nlohmann::json& j) { return j["state"] == "stalled"; });
    ASSERT_FALSE(stalled.is_null()) << "no stalled event within 10 s of the expiry";
    EXPECT_GE(stalled_at, expiry - 500ms) << "reported dead before its heartbeat expired";
    EXPECT_LE(stalled_at, expiry + 1800ms)
        << "the stall came " << std::chrono::duration<double>(stalled_at - expiry).count()
        << " s after the expiry";
    EXPECT_EQ(stalled["reason"], "no live consumer in group '" + group +
                                     "' while messages wait in Kafka; 1 consumer failed: poison "
                                     "message at " +
                                     topic + "/0@7; 1 consumer dead (no heartbeat for 15 s)");
    EXPECT_EQ((*consumer_named(stalled, "doomed"))["state"], "dead");
    EXPECT_EQ((*consumer_named(stalled, "doomed"))["live"], false);
    bool job_listed = false;
    for (const auto& j : stalled["jobs"]) {
        if (j["id"] != job) continue;
        job_listed = true;
        EXPECT_EQ(j["state"], "stalled");
        EXPECT_EQ(j["reason"], stalled["reason"]);
        EXPECT_TRUE(j["eta_seconds"].is_null());
    }
    EXPECT_TRUE(job_listed);
    const auto job_stalled = wait_for(one, Clock::now() + 5s, [](const nlohmann::json& j) {
                                 return j["state"] == "stalled";
                             }).first;
    ASSERT_FALSE(job_stalled.is_null()) << "the job's stream did not say stalled";
    EXPECT_EQ(job_stalled["reason"], stalled["reason"]);
    EXPECT_FALSE(one.ended());  // stalled is not final

    // The snapshot agrees.
    const auto snapshot = test::http_get(api.port(), "/v1/ingestion/status").json();
    EXPECT_EQ(snapshot["state"], "stalled");
    EXPECT_EQ(test::http_get(api.port(), "/v1/ingestions/" + job).json()["state"], "stalled");
    const std::string metrics = test::http_get(api.port(), "/metrics").body;
    EXPECT_NE(metrics.find("\ntripstream_ingestion_stalled 1\n"), std::string::npos);
    EXPECT_NE(metrics.find("\ntripstream_consumers{state=\"dead\"} 1\n"), std::string::npos);

    // The consumer comes back (a heartbeat, again with no notification): the stall ends on
    // both streams.
    conn_.exec(
        "UPDATE tripstream.consumers SET last_heartbeat = now() WHERE consumer_id = 'doomed'");
    const auto resumed = wait_for(all, Clock::now() + 6s, [](const nlohmann::json& j) {
                             return j["state"] == "ingesting";
                         }).first;
    ASSERT_FALSE(resumed.is_null()) << "the recovery was not pushed";
    EXPECT_EQ((*consumer_named(resumed, "doomed"))["state"], "running");
    const auto job_resumed = wait_for(one, Clock::now() + 6s, [](const nlohmann::json& j) {
                                 return j["state"] == "queued";
                             }).first;
    EXPECT_FALSE(job_resumed.is_null()) << "the job's recovery was not pushed";
    if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tripstream::status
