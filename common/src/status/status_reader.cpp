#include "tripstream/status/status_reader.hpp"

#include <algorithm>

#include "tripstream/message/trip_message.hpp"
#include "tripstream/status/job_status_rules.hpp"
#include "tripstream/status/stall_rules.hpp"

namespace tripstream::status {
namespace {

// Instants leave the database as microseconds since the epoch, `extract(epoch ...) * 1e6`
// (exact: extract returns numeric), so no time zone or text format is involved.

// The snapshot's time and whether any producer is still running. now() is the start of the
// transaction, the instant the other numbers describe.
constexpr const char* kHeaderSql =
    "SELECT (extract(epoch FROM now()) * 1000000)::bigint,"
    " EXISTS (SELECT 1 FROM tripstream.ingestion_jobs"
    "         WHERE producer_state = 'producing' AND completed_at IS NULL)";

// A job with its progress summed over partitions (primary key lookups, a few rows per job);
// followed by kOneJobSql or kRecentJobsSql.
constexpr const char* kJobsSql =
    "SELECT j.job_id::text, j.source, j.producer_state,"
    " (extract(epoch FROM j.started_at) * 1000000)::bigint,"
    " (extract(epoch FROM j.finished_at) * 1000000)::bigint,"
    " j.rows_sent, j.producer_rejected, j.error,"
    " (extract(epoch FROM j.completed_at) * 1000000)::bigint,"
    " (extract(epoch FROM j.created_at) * 1000000)::bigint,"
    " coalesce(p.inserted, 0), coalesce(p.rejected, 0),"
    " (extract(epoch FROM p.first_at) * 1000000)::bigint"
    " FROM tripstream.ingestion_jobs j"
    " LEFT JOIN LATERAL (SELECT sum(rows_inserted) AS inserted, sum(rows_rejected) AS rejected,"
    "                           min(first_at) AS first_at"
    "                      FROM tripstream.job_partition_progress"
    "                     WHERE job_seq = j.job_seq) p ON true";
// One job by its primary key.
constexpr const char* kOneJobSql = " WHERE j.job_id = $1::uuid";
// The most recently seen jobs: `limit` entries of the job_seq index, read backwards.
constexpr const char* kRecentJobsSql = " ORDER BY j.job_seq DESC LIMIT $1";

constexpr const char* kOffsetsSql =
    "SELECT topic, kafka_partition, next_offset FROM tripstream.kafka_offsets"
    " WHERE consumer_group = $1";

constexpr const char* kConsumersSql =
    "SELECT consumer_id, consumer_group, array_to_string(partitions, ','),"
    " (extract(epoch FROM started_at) * 1000000)::bigint,"
    " (extract(epoch FROM last_heartbeat) * 1000000)::bigint,"
    " rows_inserted, rows_rejected, batches, rows_per_second, state, error"
    " FROM tripstream.consumers"
    " WHERE consumer_group = $1"
    "   AND last_heartbeat >= now() - make_interval(secs => $2::double precision)"
    " ORDER BY last_heartbeat DESC, consumer_id LIMIT $3";

// Column readers for one result row.
class Row {
  public:
    Row(const db::PgResult& result, int row) : result_(result.get()), row_(row) {}

    bool null(int col) const { return PQgetisnull(result_, row_, col) != 0; }
    std::string text(int col) const { return PQgetvalue(result_, row_, col); }
    int64_t int64(int col) const { return std::stoll(text(col)); }
    double real(int col) const { return std::stod(text(col)); }
    std::optional<std::string> opt_text(int col) const {
        if (null(col)) return std::nullopt;
        return text(col);
    }
    std::optional<int64_t> opt_int64(int col) const {
        if (null(col)) return std::nullopt;
        return int64(col);
    }

  private:
    const PGresult* result_;
    int row_;
};

// Rolls back unless committed, so an exception never leaves `conn` inside the snapshot.
class ReadOnlySnapshot {
  public:
    explicit ReadOnlySnapshot(db::PgConnection& conn) : conn_(conn) {
        // A BEGIN inside a caller's transaction would only warn, and our COMMIT would then
        // end the caller's transaction: refuse instead.
        if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) {
            throw std::logic_error(
                "read_ingestion_status: the connection is inside a transaction; the status "
                "needs a snapshot of its own");
        }
        conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }
    ~ReadOnlySnapshot() {
        if (open_ && conn_.healthy()) {
            try {
                conn_.exec("ROLLBACK");
            } catch (const db::PgError&) {
                // The connection broke; the server ends the transaction with it.
            }
        }
    }
    ReadOnlySnapshot(const ReadOnlySnapshot&) = delete;
    ReadOnlySnapshot& operator=(const ReadOnlySnapshot&) = delete;

    void commit() {
        conn_.exec("COMMIT");
        open_ = false;
    }

  private:
    db::PgConnection& conn_;
    bool open_ = true;
};

JobFacts job_facts(const Row& r) {
    JobFacts f;
    f.id = r.text(0);
    f.source = r.opt_text(1);
    f.producer_state = r.opt_text(2);
    f.producer_started_at_us = r.opt_int64(3);
    f.producer_finished_at_us = r.opt_int64(4);
    f.rows_sent = r.opt_int64(5);
    f.producer_rejected = r.opt_int64(6);
    f.error = r.opt_text(7);
    f.completed_at_us = r.opt_int64(8);
    f.created_at_us = r.int64(9);
    f.rows_inserted = r.int64(10);
    f.rows_rejected = r.int64(11);
    f.first_progress_us = r.opt_int64(12);
    return f;
}

std::vector<JobStatus> read_jobs(db::PgConnection& conn, const StatusScope& scope, int64_t now_us) {
    if (scope.job_id) {
        // The API passes a path segment as it came; a non-UUID would be a SQL error.
        JobId parsed;
        if (!parse_job_id(*scope.job_id, parsed)) throw JobNotFound(*scope.job_id);
    }
    const db::PgResult result = scope.job_id
                                    ? conn.exec(std::string(kJobsSql) + kOneJobSql, {scope.job_id})
                                    : conn.exec(std::string(kJobsSql) + kRecentJobsSql,
                                                {std::to_string(std::max(0, scope.job_limit))});
    std::vector<JobStatus> jobs;
    for (int i = 0; i < PQntuples(result.get()); ++i)
        jobs.push_back(job_status_from(job_facts(Row(result, i)), now_us));
    if (scope.job_id && jobs.empty()) throw JobNotFound(*scope.job_id);
    return jobs;
}

std::vector<StoredOffset> read_stored_offsets(db::PgConnection& conn, const StatusScope& scope) {
    const db::PgResult result = conn.exec(kOffsetsSql, {scope.consumer_group});
    std::vector<StoredOffset> offsets;
    for (int i = 0; i < PQntuples(result.get()); ++i) {
        const Row r(result, i);
        offsets.push_back({r.text(0), static_cast<int32_t>(r.int64(1)), r.int64(2)});
    }
    return offsets;
}

std::vector<int32_t> parse_partitions(const std::string& csv) {
    std::vector<int32_t> out;
    size_t start = 0;
    while (start < csv.size()) {
        const size_t end = std::min(csv.find(',', start), csv.size());
        out.push_back(std::stoi(csv.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

ConsumerStatus consumer_status(const Row& r, int64_t now_us, std::chrono::seconds live_window) {
    ConsumerStatus c;
    c.id = r.text(0);
    c.group = r.text(1);
    c.partitions = parse_partitions(r.text(2));
    c.started_at_us = r.int64(3);
    c.last_heartbeat_us = r.int64(4);
    c.rows_inserted = r.int64(5);
    c.rows_rejected = r.int64(6);
    c.batches = r.int64(7);
    c.rows_per_second = r.real(8);
    // A consumer that died without saying so (SIGKILL) still reads "running": its
    // heartbeat's age tells. Both instants are on the database clock.
    c.state = reported_consumer_state(
        r.text(9), std::chrono::microseconds(now_us - c.last_heartbeat_us), live_window);
    c.live = c.state == "running";
    c.error = r.opt_text(10);
    return c;
}

std::vector<ConsumerStatus> read_consumers(db::PgConnection& conn, const StatusScope& scope,
                                           int64_t now_us) {
    const db::PgResult result = conn.exec(
        kConsumersSql, {scope.consumer_group, std::to_string(scope.consumer_history.count()),
                        std::to_string(kMaxConsumersListed)});
    std::vector<ConsumerStatus> consumers;
    for (int i = 0; i < PQntuples(result.get()); ++i)
        consumers.push_back(consumer_status(Row(result, i), now_us, scope.consumer_live_window));
    return consumers;
}

IngestionStatus read_in_snapshot(db::PgConnection& conn, const StatusScope& scope) {
    IngestionStatus status;
    const db::PgResult header = conn.exec(kHeaderSql);
    status.generated_at_us = Row(header, 0).int64(0);
    const bool producing = Row(header, 0).text(1) == "t";
    status.jobs = read_jobs(conn, scope, status.generated_at_us);
    status.partitions = partition_lags(scope.topics, read_stored_offsets(conn, scope));
    status.total_lag = total_lag(scope.topics, status.partitions);
    status.consumers = read_consumers(conn, scope, status.generated_at_us);
    apply_overall_state(status, {producing, scope.consumer_group, scope.consumer_live_window});
    return status;
}

}  // namespace

JobNotFound::JobNotFound(std::string job_id)
    : std::runtime_error("no ingestion job with id '" + job_id + "'"), job_id_(std::move(job_id)) {}

IngestionStatus read_ingestion_status(db::PgConnection& conn, const StatusScope& scope) {
    try {
        ReadOnlySnapshot snapshot(conn);
        IngestionStatus status = read_in_snapshot(conn, scope);
        snapshot.commit();
        return status;
    } catch (const db::PgError& e) {
        throw db::PgError(std::string("reading the ingestion status: ") + e.what(), e.sqlstate(),
                          e.connection_lost());
    }
}

}  // namespace tripstream::status
