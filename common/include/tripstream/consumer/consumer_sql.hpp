// Every statement the consumer runs, in one place: the consumer's SQL dialect. The roles that
// run them (BatchWriter, PgOffsetStore, ConsumerRegistry, DimensionCache) hold no SQL text of
// their own, so the schema the consumer depends on can be read here at a glance
// (sql/migrations/ defines it).
#pragma once

namespace tripstream::consumer_sql {

// --- The batch transaction (BatchWriter) ------------------------------------------------

inline constexpr const char* kBegin = "BEGIN";
inline constexpr const char* kCommit = "COMMIT";
inline constexpr const char* kRollback = "ROLLBACK";

// Refused rows are isolated inside the batch transaction: each attempt runs under a
// savepoint, so a refused COPY undoes only itself (docs/consumer.md, "Poison isolation").
inline constexpr const char* kSavepoint = "SAVEPOINT rows_attempt";
inline constexpr const char* kRollbackToSavepoint = "ROLLBACK TO SAVEPOINT rows_attempt";
inline constexpr const char* kReleaseSavepoint = "RELEASE SAVEPOINT rows_attempt";

inline constexpr const char* kCopyTrips =
    "COPY tripstream.trips (trip_time, job_seq, region_id, datasource_id, cluster_id, model_id,"
    " origin, destination, batch_id) FROM STDIN WITH (FORMAT binary)";

// Every trip row carries its batch's number (migration 0003): a follower that hears the
// batch's notification fetches exactly its rows (query::LiveTripIndex).
inline constexpr const char* kNextBatchId = "SELECT nextval('tripstream.trip_batch_seq')";

// Aggregate deltas go through session temp tables (emptied at commit) and are then upserted
// in key order, so that concurrent consumers lock aggregate rows in the same order (no
// deadlock in the common case; one that still happens is retried as a whole batch).
struct AggregateTable {
    const char* create;
    const char* empty;  // before a second attempt in the same transaction
    const char* copy;
    const char* upsert;
};

inline constexpr AggregateTable kCellCounts = {
    "CREATE TEMP TABLE IF NOT EXISTS cell_delta (region_id smallint, week_start date,"
    " o_cell integer, d_cell integer, trips integer) ON COMMIT DELETE ROWS",
    "DELETE FROM cell_delta", "COPY cell_delta FROM STDIN WITH (FORMAT binary)",
    "INSERT INTO tripstream.trip_cell_counts AS c SELECT * FROM cell_delta"
    " ORDER BY region_id, week_start, o_cell, d_cell"
    " ON CONFLICT (region_id, week_start, o_cell, d_cell)"
    " DO UPDATE SET trips = c.trips + EXCLUDED.trips"};

inline constexpr AggregateTable kClusterCounts = {
    "CREATE TEMP TABLE IF NOT EXISTS cluster_delta (region_id smallint, week_start date,"
    " cluster_id smallint, tod_bucket smallint, trips integer) ON COMMIT DELETE ROWS",
    "DELETE FROM cluster_delta", "COPY cluster_delta FROM STDIN WITH (FORMAT binary)",
    "INSERT INTO tripstream.trip_cluster_counts AS c SELECT * FROM cluster_delta"
    " ORDER BY region_id, week_start, cluster_id, tod_bucket"
    " ON CONFLICT (region_id, week_start, cluster_id, tod_bucket)"
    " DO UPDATE SET trips = c.trips + EXCLUDED.trips"};

// raw is bytea (migration 0004): any bytes, so storing a rejected row cannot fail on them.
inline constexpr const char* kCopyRejected =
    "COPY tripstream.rejected_rows (job_id, stage, source, line, reason, raw, raw_length,"
    " kafka_topic, kafka_partition, kafka_offset) FROM STDIN WITH (FORMAT binary)";

inline constexpr const char* kUpdateJob =
    "UPDATE tripstream.ingestion_jobs SET source = $2, producer_state = $3,"
    " started_at = to_timestamp($4::bigint / 1e6), finished_at = to_timestamp($5::bigint / 1e6),"
    " rows_sent = $6, producer_rejected = $7, rows_failed = $8, error = nullif($9, '')"
    " WHERE job_id = $1";

inline constexpr const char* kAddJobProgress =
    "INSERT INTO tripstream.job_partition_progress AS g"
    " (job_seq, kafka_partition, rows_inserted, rows_rejected)"
    " SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::bigint[])"
    " ON CONFLICT (job_seq, kafka_partition) DO UPDATE SET"
    " rows_inserted = g.rows_inserted + EXCLUDED.rows_inserted,"
    " rows_rejected = g.rows_rejected + EXCLUDED.rows_rejected, last_at = now()";

inline constexpr const char* kRefreshJobCompletion =
    "SELECT * FROM tripstream.refresh_job_completion($1::int[])";

// Delivered to listeners only when (and if) the transaction commits.
inline constexpr const char* kNotifyStatus = "SELECT pg_notify('tripstream_status', $1)";

// --- Offsets (PgOffsetStore) ------------------------------------------------------------

inline constexpr const char* kStoredOffsets =
    "SELECT topic, kafka_partition, next_offset FROM tripstream.kafka_offsets"
    " WHERE consumer_group = $1";

inline constexpr const char* kInsertMissingOffsets =
    "INSERT INTO tripstream.kafka_offsets (consumer_group, topic, kafka_partition, next_offset)"
    " SELECT $1, t, p, -1 FROM unnest($2::text[], $3::int[]) AS u(t, p)"
    " ORDER BY t, p ON CONFLICT DO NOTHING";

inline constexpr const char* kLockOffsets =
    "SELECT o.topic, o.kafka_partition, o.next_offset, u.expected"
    " FROM tripstream.kafka_offsets o"
    " JOIN unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, expected)"
    "   ON o.topic = u.t AND o.kafka_partition = u.p"
    " WHERE o.consumer_group = $1 ORDER BY o.topic, o.kafka_partition FOR UPDATE OF o";

inline constexpr const char* kAdvanceOffsets =
    "UPDATE tripstream.kafka_offsets o SET next_offset = u.n, updated_at = now()"
    " FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, n)"
    " WHERE o.consumer_group = $1 AND o.topic = u.t AND o.kafka_partition = u.p";

// --- Consumer registry (ConsumerRegistry) ------------------------------------------------

inline constexpr const char* kRecordConsumer =
    "INSERT INTO tripstream.consumers AS c (consumer_id, consumer_group, started_at,"
    " last_heartbeat, partitions, rows_inserted, rows_rejected, batches, rows_per_second,"
    " state, error) VALUES ($1, $2, to_timestamp($3::double precision), now(), $4::int[], $5,"
    " $6, $7, $8, $9, nullif($10, '')) ON CONFLICT (consumer_id) DO UPDATE SET"
    " last_heartbeat = now(), partitions = EXCLUDED.partitions,"
    " rows_inserted = EXCLUDED.rows_inserted, rows_rejected = EXCLUDED.rows_rejected,"
    " batches = EXCLUDED.batches, rows_per_second = EXCLUDED.rows_per_second,"
    " state = EXCLUDED.state, error = EXCLUDED.error";

// --- Dimensions (DimensionCache) ---------------------------------------------------------

// Insert-if-missing then select: correct under concurrent consumers (ON CONFLICT makes the
// second inserter wait for and then see the first one's row).
struct DimensionSql {
    const char* insert;
    const char* select;
};

inline constexpr DimensionSql kRegions = {
    "INSERT INTO tripstream.regions (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
    "SELECT region_id FROM tripstream.regions WHERE name = $1"};
inline constexpr DimensionSql kDatasources = {
    "INSERT INTO tripstream.datasources (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
    "SELECT datasource_id FROM tripstream.datasources WHERE name = $1"};
inline constexpr DimensionSql kJobs = {
    "INSERT INTO tripstream.ingestion_jobs (job_id) VALUES ($1) ON CONFLICT (job_id) DO NOTHING",
    "SELECT job_seq FROM tripstream.ingestion_jobs WHERE job_id = $1"};
inline constexpr DimensionSql kModels = {
    "INSERT INTO tripstream.models (version) VALUES ($1) ON CONFLICT (version) DO NOTHING",
    "SELECT model_id FROM tripstream.models WHERE version = $1"};

inline constexpr const char* kEnsureTripPartition =
    "SELECT tripstream.ensure_trip_partition($1::timestamptz)";

}  // namespace tripstream::consumer_sql
