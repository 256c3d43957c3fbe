#include "tripstream/consumer/batch_writer.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace tripstream {
namespace {

constexpr const char* kCopyTrips =
    "COPY tripstream.trips (trip_time, job_seq, region_id, datasource_id, cluster_id, model_id,"
    " origin, destination, batch_id) FROM STDIN WITH (FORMAT binary)";

// Every trip row carries its batch's number (migration 0003): a follower that hears the
// batch's notification fetches exactly its rows (query::LiveTripIndex).
constexpr const char* kNextBatchId = "SELECT nextval('tripstream.trip_batch_seq')";

// Aggregate deltas go through session temp tables (emptied at commit) and are then
// upserted in key order, so that concurrent consumers lock aggregate rows in the same order
// (no deadlock in the common case; one that still happens is retried as a whole batch).
struct AggregateTable {
    const char* create;
    const char* copy;
    const char* upsert;
};

constexpr AggregateTable kCellCounts = {
    "CREATE TEMP TABLE IF NOT EXISTS cell_delta (region_id smallint, week_start date,"
    " o_cell integer, d_cell integer, trips integer) ON COMMIT DELETE ROWS",
    "COPY cell_delta FROM STDIN WITH (FORMAT binary)",
    "INSERT INTO tripstream.trip_cell_counts AS c SELECT * FROM cell_delta"
    " ORDER BY region_id, week_start, o_cell, d_cell"
    " ON CONFLICT (region_id, week_start, o_cell, d_cell)"
    " DO UPDATE SET trips = c.trips + EXCLUDED.trips"};

constexpr AggregateTable kClusterCounts = {
    "CREATE TEMP TABLE IF NOT EXISTS cluster_delta (region_id smallint, week_start date,"
    " cluster_id smallint, tod_bucket smallint, trips integer) ON COMMIT DELETE ROWS",
    "COPY cluster_delta FROM STDIN WITH (FORMAT binary)",
    "INSERT INTO tripstream.trip_cluster_counts AS c SELECT * FROM cluster_delta"
    " ORDER BY region_id, week_start, cluster_id, tod_bucket"
    " ON CONFLICT (region_id, week_start, cluster_id, tod_bucket)"
    " DO UPDATE SET trips = c.trips + EXCLUDED.trips"};

void upsert(db::PgConnection& conn, const AggregateTable& table, db::BinaryCopyBuffer& rows) {
    if (rows.rows() == 0) return;
    conn.exec(table.create);
    conn.copy_in(table.copy, rows.finish());
    conn.exec(table.upsert);
}

constexpr const char* kCopyRejected =
    "COPY tripstream.rejected_rows (job_id, stage, source, line, reason, raw, kafka_topic,"
    " kafka_partition, kafka_offset) FROM STDIN WITH (FORMAT binary)";

struct Arrays {
    std::vector<std::string> topics;
    std::vector<int32_t> partitions;
    std::vector<int64_t> continues_from;
    std::vector<int64_t> nexts;
};

// A PostgreSQL text[] literal; topic names are [a-zA-Z0-9._-], quoted anyway.
std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.push_back('"');
        for (char c : values[i]) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

Arrays offset_arrays(const TripBatch& batch) {
    Arrays a;
    for (const auto& [tp, range] : batch.offsets()) {
        a.topics.push_back(tp.first);
        a.partitions.push_back(tp.second);
        a.continues_from.push_back(range.continues_from);
        a.nexts.push_back(range.next);
    }
    return a;
}

}  // namespace

struct BatchWriter::Prepared {
    // From tripstream.trip_batch_seq: a sequence value is never handed out twice, so a batch
    // that is retried after a failure simply takes a new number.
    int64_t batch_id = 0;
    std::set<int32_t> touched_jobs;
    // (job_seq, partition) -> (inserted, rejected by consumer)
    std::map<std::pair<int32_t, int32_t>, std::pair<int64_t, int64_t>> progress;
};

// Everything that needs lookups runs before the transaction: ids, partitions, COPY data.
void BatchWriter::prepare(db::PgConnection& conn, const TripBatch& batch, Prepared& p) {
    trips_copy_.clear();
    cells_copy_.clear();
    clusters_copy_.clear();
    rejected_copy_.clear();
    aggregates_.clear();
    p.batch_id = std::stoll(db::first_value(conn.exec(kNextBatchId)));
    for (const BatchTrip& t : batch.trips()) {
        const Trip& trip = t.message.trip;
        const int32_t job = dims_.job_seq(conn, t.message.job_id);
        const int16_t region = dims_.region_id(conn, trip.region);
        const int16_t datasource = dims_.datasource_id(conn, trip.datasource);
        dims_.ensure_partition(conn, trip.time_us);
        trips_copy_.begin_row(9);
        trips_copy_.add_timestamptz(trip.time_us);
        trips_copy_.add_int32(job);
        trips_copy_.add_int16(region);
        trips_copy_.add_int16(datasource);
        // Unassigned (no model, or the model lacks the region): cluster -1 and model 0, never
        // NULL. A row without NULLs has no null bitmap; with nine columns the bitmap would
        // push the tuple header from 24 to 32 bytes (docs/data-model.md).
        const bool assigned = identity_.model_id >= 0 && t.cluster_id >= 0;
        trips_copy_.add_int16(assigned ? t.cluster_id : kUnassignedCluster);
        trips_copy_.add_int16(assigned ? static_cast<int16_t>(identity_.model_id) : kNoModel);
        trips_copy_.add_point_4326(trip.origin);
        trips_copy_.add_point_4326(trip.destination);
        trips_copy_.add_int64(p.batch_id);
        aggregates_.add(region, trip, t.cluster_id);
        p.touched_jobs.insert(job);
        ++p.progress[{job, t.partition}].first;
    }
    aggregates_.cells_to_copy(cells_copy_);
    aggregates_.clusters_to_copy(clusters_copy_);
    for (const BatchRejection& r : batch.rejections()) {
        rejected_copy_.begin_row(9);
        if (r.has_job) {
            rejected_copy_.add_uuid(r.job_id);
            if (r.stage == "consumer") {
                const int32_t job = dims_.job_seq(conn, r.job_id);
                p.touched_jobs.insert(job);
                ++p.progress[{job, r.partition}].second;
            }
        } else {
            rejected_copy_.add_null();
        }
        rejected_copy_.add_text(r.stage);
        rejected_copy_.add_text(r.source);
        rejected_copy_.add_int64(static_cast<int64_t>(r.line));
        rejected_copy_.add_text(r.reason);
        rejected_copy_.add_text(r.raw);
        rejected_copy_.add_text(r.topic);
        rejected_copy_.add_int32(r.partition);
        rejected_copy_.add_int64(r.offset);
    }
    for (const JobRecord& job : batch.jobs()) {
        JobId id;
        if (parse_job_id(job.job_id, id)) p.touched_jobs.insert(dims_.job_seq(conn, id));
    }
}

// Exactly-once fence: the stored next offset of every partition must be the position this
// batch continues from (kNoOffset, stored as -1, when the group never committed the
// partition). Rows are locked in a fixed order until commit, so two consumers that both
// believe they own a partition cannot both commit after the same position.
void BatchWriter::check_and_lock_offsets(db::PgConnection& conn, const TripBatch& batch) {
    const Arrays a = offset_arrays(batch);
    const std::string group = identity_.consumer_group;
    const std::vector<db::PgParam> params = {
        group, text_array(a.topics), db::int_array(a.partitions), db::int_array(a.continues_from)};
    conn.exec(
        "INSERT INTO tripstream.kafka_offsets (consumer_group, topic, kafka_partition, next_offset)"
        " SELECT $1, t, p, -1 FROM unnest($2::text[], $3::int[]) AS u(t, p)"
        " ORDER BY t, p ON CONFLICT DO NOTHING",
        {group, text_array(a.topics), db::int_array(a.partitions)});
    const db::PgResult stored = conn.exec(
        "SELECT o.topic, o.kafka_partition, o.next_offset, u.expected"
        " FROM tripstream.kafka_offsets o"
        " JOIN unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, expected)"
        "   ON o.topic = u.t AND o.kafka_partition = u.p"
        " WHERE o.consumer_group = $1 ORDER BY o.topic, o.kafka_partition FOR UPDATE OF o",
        params);
    std::vector<TopicPartition> fenced;
    std::string detail;
    for (int i = 0; i < PQntuples(stored.get()); ++i) {
        const int64_t next = std::stoll(PQgetvalue(stored.get(), i, 2));
        const int64_t expected = std::stoll(PQgetvalue(stored.get(), i, 3));
        if (next == expected) continue;
        const std::string topic = PQgetvalue(stored.get(), i, 0);
        const int32_t partition = std::stoi(PQgetvalue(stored.get(), i, 1));
        fenced.emplace_back(topic, partition);
        detail += " " + topic + "[" + std::to_string(partition) + "] stored " +
                  std::to_string(next) + ", this consumer continues from " +
                  std::to_string(expected) + ";";
    }
    if (!fenced.empty()) {
        throw FencedError("another consumer committed these partitions:" + detail, fenced);
    }
}

void BatchWriter::advance_offsets(db::PgConnection& conn, const TripBatch& batch) {
    const Arrays a = offset_arrays(batch);
    conn.exec(
        "UPDATE tripstream.kafka_offsets o SET next_offset = u.n, updated_at = now()"
        " FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, n)"
        " WHERE o.consumer_group = $1 AND o.topic = u.t AND o.kafka_partition = u.p",
        {identity_.consumer_group, text_array(a.topics), db::int_array(a.partitions),
         db::int_array(a.nexts)});
}

void BatchWriter::write_jobs(db::PgConnection& conn, const TripBatch& batch) {
    for (const JobRecord& job : batch.jobs()) {
        const auto micros = [](int64_t us) -> db::PgParam {
            if (us <= 0) return std::nullopt;
            return std::to_string(us);
        };
        conn.exec(
            "UPDATE tripstream.ingestion_jobs SET source = $2, producer_state = $3,"
            " started_at = to_timestamp($4::bigint / 1e6), finished_at = to_timestamp($5::bigint / "
            "1e6),"
            " rows_sent = $6, producer_rejected = $7, rows_failed = $8, error = nullif($9, '')"
            " WHERE job_id = $1",
            {job.job_id, job.source, std::string(to_string(job.state)), micros(job.started_at_us),
             micros(job.finished_at_us), std::to_string(job.rows_sent),
             std::to_string(job.rows_rejected), std::to_string(job.rows_failed), job.error});
    }
}

void BatchWriter::write_progress(db::PgConnection& conn, const Prepared& p) {
    if (p.progress.empty()) return;
    std::vector<int32_t> jobs;
    std::vector<int32_t> partitions;
    std::vector<int64_t> inserted;
    std::vector<int64_t> rejected;
    for (const auto& [key, counts] : p.progress) {
        jobs.push_back(key.first);
        partitions.push_back(key.second);
        inserted.push_back(counts.first);
        rejected.push_back(counts.second);
    }
    conn.exec(
        "INSERT INTO tripstream.job_partition_progress AS g"
        " (job_seq, kafka_partition, rows_inserted, rows_rejected)"
        " SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::bigint[])"
        " ON CONFLICT (job_seq, kafka_partition) DO UPDATE SET"
        " rows_inserted = g.rows_inserted + EXCLUDED.rows_inserted,"
        " rows_rejected = g.rows_rejected + EXCLUDED.rows_rejected, last_at = now()",
        {db::int_array(jobs), db::int_array(partitions), db::int_array(inserted),
         db::int_array(rejected)});
}

std::vector<std::string> BatchWriter::complete_jobs(db::PgConnection& conn, const Prepared& p) {
    std::vector<std::string> completed;
    if (p.touched_jobs.empty()) return completed;
    const std::vector<int32_t> seqs(p.touched_jobs.begin(), p.touched_jobs.end());
    const db::PgResult r = conn.exec("SELECT * FROM tripstream.refresh_job_completion($1::int[])",
                                     {db::int_array(seqs)});
    for (int i = 0; i < PQntuples(r.get()); ++i)
        completed.emplace_back(PQgetvalue(r.get(), i, 0));
    return completed;
}

WriteResult BatchWriter::write(db::PgConnection& conn, const TripBatch& batch) {
    WriteResult result;
    if (batch.empty()) return result;
    Prepared p;
    prepare(conn, batch, p);
    conn.exec("BEGIN");
    try {
        check_and_lock_offsets(conn, batch);
        if (trips_copy_.rows() > 0) conn.copy_in(kCopyTrips, trips_copy_.finish());
        upsert(conn, kCellCounts, cells_copy_);
        upsert(conn, kClusterCounts, clusters_copy_);
        if (rejected_copy_.rows() > 0) conn.copy_in(kCopyRejected, rejected_copy_.finish());
        write_jobs(conn, batch);
        write_progress(conn, p);
        advance_offsets(conn, batch);
        result.completed_jobs = complete_jobs(conn, p);
        result.trips_inserted = trips_copy_.rows();
        result.rows_rejected = rejected_copy_.rows();
        result.aggregate_rows = cells_copy_.rows() + clusters_copy_.rows();
        const nlohmann::json note = {{"consumer", identity_.consumer_id},
                                     {"batch_id", p.batch_id},
                                     {"trips", result.trips_inserted},
                                     {"rejected", result.rows_rejected},
                                     {"completed_jobs", result.completed_jobs}};
        // Delivered to listeners only when (and if) the transaction commits.
        conn.exec("SELECT pg_notify('tripstream_status', $1)", {note.dump()});
        conn.exec("COMMIT");
    } catch (...) {
        if (conn.healthy()) {
            try {
                conn.exec("ROLLBACK");
            } catch (const db::PgError&) {
            }
        }
        throw;
    }
    return result;
}

}  // namespace tripstream
