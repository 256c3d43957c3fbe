// read_ingestion_status against a scratch database holding hand-written rows of the tables
// the consumers fill (jobs in every state, progress on several partitions, offsets of two
// groups, consumers live, dead, stopped and long gone): the states, counts, lag, rates and
// the job filter it computes from them, and that it never touches the big tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "support/scratch_database.hpp"
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
                      double heartbeat_ago, const std::string& partitions) {
        conn_.exec(
            "INSERT INTO tripstream.consumers (consumer_id, consumer_group, started_at,"
            " last_heartbeat, partitions, rows_inserted, rows_rejected, batches,"
            " rows_per_second, state) VALUES ($1, $2, now() - interval '1 day',"
            " now() - make_interval(secs => $3::float8), $4::int[], 1000, 7, 3, 2.5, $5)",
            {id, group, std::to_string(heartbeat_ago), partitions, state});
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

    StatusScope patient = scope();
    patient.consumer_live_window = std::chrono::seconds(120);
    patient.consumer_history = std::chrono::seconds(3 * 3600);
    const IngestionStatus longer = read(patient);
    ASSERT_EQ(longer.consumers.size(), 4u);
    EXPECT_TRUE(longer.consumers[2].live);
    EXPECT_EQ(longer.consumers[3].id, "long-gone");
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

}  // namespace
}  // namespace tripstream::status
