#include "tripstream/consumer/batch_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tripstream/consumer/consumer_sql.hpp"
#include "tripstream/text/utf8.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream {
namespace {

// Stored text must be valid UTF-8 without NUL or control bytes whatever a message held;
// these bound how much of a reason or source is kept.
constexpr size_t kMaxReasonBytes = 2000;
constexpr size_t kMaxSourceBytes = 512;

int64_t clamp_to_int64(uint64_t v) {
    return static_cast<int64_t>(
        std::min<uint64_t>(v, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
}

// A trip the database refused, as text for the rejected row's raw column (the message it
// came from is binary; this is what it said).
std::string trip_text(const Trip& trip) {
    char points[160];
    std::snprintf(points, sizeof points, "POINT (%.17g %.17g),POINT (%.17g %.17g)", trip.origin.lon,
                  trip.origin.lat, trip.destination.lon, trip.destination.lat);
    return trip.region + "," + points + "," + format_datetime(trip.time_us) + "," + trip.datasource;
}

void upsert(db::PgConnection& conn, const consumer_sql::AggregateTable& table,
            db::BinaryCopyBuffer& rows, bool empty_first) {
    if (rows.rows() == 0) return;
    conn.exec(table.create);
    if (empty_first) conn.exec(table.empty);
    conn.copy_in(table.copy, rows.finish());
    conn.exec(table.upsert);
}

}  // namespace

struct BatchWriter::Prepared {
    // From tripstream.trip_batch_seq: a sequence value is never handed out twice, so a batch
    // that is retried after a failure simply takes a new number.
    int64_t batch_id = 0;
    std::vector<RowIds> ids;              // parallel to batch.trips()
    std::vector<size_t> ready;            // trips whose ids were looked up
    std::vector<size_t> stored;           // trips stored, after isolation
    std::vector<BatchRejection> refused;  // trips and job records the database refused
    std::vector<int32_t> refused_jobs;    // job_seq of each refused entry, or -1
    std::vector<int32_t> rejection_jobs;  // job_seq of each batch rejection, or -1
    std::set<int32_t> touched_jobs;
    uint64_t aggregate_rows = 0;
};

namespace {

BatchRejection refused_trip(const BatchTrip& t, const std::string& topic, const std::string& why) {
    BatchRejection r;
    r.has_job = true;
    r.job_id = t.message.job_id;
    r.stage = "consumer";
    r.line = t.message.line;
    r.reason = "refused by the database: " + why;
    r.raw = trip_text(t.message.trip);
    r.raw_length = r.raw.size();
    r.topic = topic;
    r.partition = t.partition;
    r.offset = t.offset;
    return r;
}

}  // namespace

// Everything that needs lookups runs before the transaction: ids and partitions. A lookup the
// database refuses for the row's content (a region name it cannot store, a time outside
// what a partition can hold) refuses that row alone.
void BatchWriter::prepare(db::PgConnection& conn, const TripBatch& batch, Prepared& p) {
    p.batch_id = std::stoll(db::first_value(conn.exec(consumer_sql::kNextBatchId)));
    const auto& trips = batch.trips();
    p.ids.resize(trips.size());
    p.ready.reserve(trips.size());
    for (size_t i = 0; i < trips.size(); ++i) {
        const Trip& trip = trips[i].message.trip;
        RowIds& ids = p.ids[i];
        ids.job = dims_.job_seq(conn, trips[i].message.job_id);
        try {
            ids.region = dims_.region_id(conn, trip.region);
            ids.datasource = dims_.datasource_id(conn, trip.datasource);
            dims_.ensure_partition(conn, trip.time_us);
        } catch (const db::PgError& e) {
            if (!e.data_error()) throw;
            p.refused.push_back(refused_trip(trips[i], identity_.trips_topic, e.what()));
            p.refused_jobs.push_back(ids.job);
            continue;
        }
        p.ready.push_back(i);
    }
    for (const BatchRejection& r : batch.rejections()) {
        const bool counted = r.has_job && r.stage == "consumer";
        p.rejection_jobs.push_back(counted ? dims_.job_seq(conn, r.job_id) : -1);
    }
    for (const BatchJob& job : batch.jobs()) {
        JobId id;
        if (parse_job_id(job.record.job_id, id)) p.touched_jobs.insert(dims_.job_seq(conn, id));
    }
}

void BatchWriter::encode_trips(const TripBatch& batch, const Prepared& p,
                               const std::vector<size_t>& rows) {
    trips_copy_.clear();
    cells_copy_.clear();
    clusters_copy_.clear();
    aggregates_.clear();
    for (const size_t i : rows) {
        const BatchTrip& t = batch.trips()[i];
        const Trip& trip = t.message.trip;
        const RowIds& ids = p.ids[i];
        trips_copy_.begin_row(9);
        trips_copy_.add_timestamptz(trip.time_us);
        trips_copy_.add_int32(ids.job);
        trips_copy_.add_int16(ids.region);
        trips_copy_.add_int16(ids.datasource);
        // Unassigned (no model, or the model lacks the region): cluster -1 and model 0, never
        // NULL. A row without NULLs has no null bitmap; with nine columns the bitmap would
        // push the tuple header from 24 to 32 bytes (docs/data-model.md).
        const bool assigned = identity_.model_id >= 0 && t.cluster_id >= 0;
        trips_copy_.add_int16(assigned ? t.cluster_id : kUnassignedCluster);
        trips_copy_.add_int16(assigned ? static_cast<int16_t>(identity_.model_id) : kNoModel);
        trips_copy_.add_point_4326(trip.origin);
        trips_copy_.add_point_4326(trip.destination);
        trips_copy_.add_int64(p.batch_id);
        aggregates_.add(ids.region, trip, t.cluster_id);
    }
    aggregates_.cells_to_copy(cells_copy_);
    aggregates_.clusters_to_copy(clusters_copy_);
}

void BatchWriter::upsert_aggregates(db::PgConnection& conn) {
    upsert(conn, consumer_sql::kCellCounts, cells_copy_, deltas_used_);
    upsert(conn, consumer_sql::kClusterCounts, clusters_copy_, deltas_used_);
}

// One attempt to store `rows` (trips and their aggregate deltas) under a savepoint. False,
// with the database's message, when it refused their content; the savepoint then undoes the
// attempt and the transaction goes on.
bool BatchWriter::try_store(db::PgConnection& conn, const TripBatch& batch, Prepared& p,
                            const std::vector<size_t>& rows, std::string& refusal) {
    encode_trips(batch, p, rows);
    conn.exec(consumer_sql::kSavepoint);
    try {
        conn.copy_in(consumer_sql::kCopyTrips, trips_copy_.finish());
        upsert_aggregates(conn);
        conn.exec(consumer_sql::kReleaseSavepoint);
    } catch (const db::PgError& e) {
        if (!e.data_error()) throw;
        conn.exec(consumer_sql::kRollbackToSavepoint);
        refusal = e.what();
        return false;
    }
    deltas_used_ = true;
    p.stored.insert(p.stored.end(), rows.begin(), rows.end());
    p.aggregate_rows += cells_copy_.rows() + clusters_copy_.rows();
    return true;
}

// Bisection: a refused set is split in halves until the refused rows stand alone. k refused
// rows among n cost about 2k log2(n) attempts; a clean batch costs one.
void BatchWriter::store_isolating(db::PgConnection& conn, const TripBatch& batch, Prepared& p,
                                  const std::vector<size_t>& rows) {
    std::string refusal;
    if (try_store(conn, batch, p, rows, refusal)) return;
    if (rows.size() == 1) {
        const BatchTrip& t = batch.trips()[rows.front()];
        p.refused.push_back(refused_trip(t, identity_.trips_topic, refusal));
        p.refused_jobs.push_back(p.ids[rows.front()].job);
        return;
    }
    const auto middle = rows.begin() + static_cast<std::ptrdiff_t>(rows.size() / 2);
    store_isolating(conn, batch, p, std::vector<size_t>(rows.begin(), middle));
    store_isolating(conn, batch, p, std::vector<size_t>(middle, rows.end()));
}

// Job records are few (one or two per job); each is stored under its own savepoint so that a
// record the database refuses (e.g. a time it cannot represent) becomes a rejected row.
void BatchWriter::write_jobs(db::PgConnection& conn, const TripBatch& batch, Prepared& p,
                             bool isolate) {
    const auto micros = [](int64_t us) -> db::PgParam {
        if (us <= 0) return std::nullopt;
        return std::to_string(us);
    };
    for (const BatchJob& entry : batch.jobs()) {
        const JobRecord& job = entry.record;
        if (isolate) conn.exec(consumer_sql::kSavepoint);
        try {
            conn.exec(consumer_sql::kUpdateJob,
                      {job.job_id, sanitized_excerpt(job.source, kMaxSourceBytes),
                       std::string(to_string(job.state)), micros(job.started_at_us),
                       micros(job.finished_at_us), std::to_string(clamp_to_int64(job.rows_sent)),
                       std::to_string(clamp_to_int64(job.rows_rejected)),
                       std::to_string(clamp_to_int64(job.rows_failed)),
                       sanitized_excerpt(job.error, kMaxReasonBytes)});
            if (isolate) conn.exec(consumer_sql::kReleaseSavepoint);
        } catch (const db::PgError& e) {
            if (!isolate || !e.data_error()) throw;
            conn.exec(consumer_sql::kRollbackToSavepoint);
            BatchRejection r;
            r.stage = "consumer";
            r.reason = std::string("job record refused by the database: ") + e.what();
            r.raw = to_json(job).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            r.raw_length = r.raw.size();
            r.topic = entry.topic;
            r.partition = entry.partition;
            r.offset = entry.offset;
            p.refused.push_back(std::move(r));
            p.refused_jobs.push_back(-1);
        }
    }
}

void BatchWriter::write_rejections(db::PgConnection& conn, const TripBatch& batch, Prepared& p) {
    rejected_copy_.clear();
    const auto add = [this](const BatchRejection& r) {
        rejected_copy_.begin_row(10);
        if (r.has_job) {
            rejected_copy_.add_uuid(r.job_id);
        } else {
            rejected_copy_.add_null();
        }
        rejected_copy_.add_text(r.stage);
        rejected_copy_.add_text(sanitized_excerpt(r.source, kMaxSourceBytes));
        rejected_copy_.add_int64(clamp_to_int64(r.line));
        rejected_copy_.add_text(sanitized_excerpt(r.reason, kMaxReasonBytes));
        rejected_copy_.add_bytea(r.raw);
        rejected_copy_.add_int32(static_cast<int32_t>(std::min<uint64_t>(
            r.raw_length, static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))));
        rejected_copy_.add_text(sanitized_excerpt(r.topic, kMaxSourceBytes));
        rejected_copy_.add_int32(r.partition);
        rejected_copy_.add_int64(r.offset);
    };
    for (const BatchRejection& r : batch.rejections())
        add(r);
    for (const BatchRejection& r : p.refused)
        add(r);
    if (rejected_copy_.rows() > 0)
        conn.copy_in(consumer_sql::kCopyRejected, rejected_copy_.finish());
}

void BatchWriter::write_progress(db::PgConnection& conn, const TripBatch& batch,
                                 const Prepared& p) {
    // (job_seq, partition) -> (inserted, rejected by the consumer)
    std::map<std::pair<int32_t, int32_t>, std::pair<int64_t, int64_t>> progress;
    for (const size_t i : p.stored)
        ++progress[{p.ids[i].job, batch.trips()[i].partition}].first;
    for (size_t i = 0; i < batch.rejections().size(); ++i) {
        if (p.rejection_jobs[i] >= 0)
            ++progress[{p.rejection_jobs[i], batch.rejections()[i].partition}].second;
    }
    for (size_t i = 0; i < p.refused.size(); ++i) {
        if (p.refused_jobs[i] >= 0) ++progress[{p.refused_jobs[i], p.refused[i].partition}].second;
    }
    if (progress.empty()) return;
    std::vector<int32_t> jobs;
    std::vector<int32_t> partitions;
    std::vector<int64_t> inserted;
    std::vector<int64_t> rejected;
    for (const auto& [key, counts] : progress) {
        jobs.push_back(key.first);
        partitions.push_back(key.second);
        inserted.push_back(counts.first);
        rejected.push_back(counts.second);
    }
    conn.exec(consumer_sql::kAddJobProgress, {db::int_array(jobs), db::int_array(partitions),
                                              db::int_array(inserted), db::int_array(rejected)});
}

std::vector<std::string> BatchWriter::complete_jobs(db::PgConnection& conn, const Prepared& p) {
    std::set<int32_t> touched = p.touched_jobs;
    for (const size_t i : p.stored)
        touched.insert(p.ids[i].job);
    for (const int32_t job : p.rejection_jobs)
        if (job >= 0) touched.insert(job);
    for (const int32_t job : p.refused_jobs)
        if (job >= 0) touched.insert(job);
    std::vector<std::string> completed;
    if (touched.empty()) return completed;
    const std::vector<int32_t> seqs(touched.begin(), touched.end());
    const db::PgResult r = conn.exec(consumer_sql::kRefreshJobCompletion, {db::int_array(seqs)});
    for (int i = 0; i < PQntuples(r.get()); ++i)
        completed.emplace_back(PQgetvalue(r.get(), i, 0));
    return completed;
}

// The batch's rows all at once: one COPY, one upsert per aggregate, no savepoint.
void BatchWriter::store_all(db::PgConnection& conn, const TripBatch& batch, Prepared& p) {
    encode_trips(batch, p, p.ready);
    conn.copy_in(consumer_sql::kCopyTrips, trips_copy_.finish());
    upsert_aggregates(conn);
    p.stored = p.ready;
    p.aggregate_rows = cells_copy_.rows() + clusters_copy_.rows();
}

WriteResult BatchWriter::write_transaction(db::PgConnection& conn, const TripBatch& batch,
                                           Prepared& p, bool isolate) {
    WriteResult result;
    conn.exec(consumer_sql::kBegin);
    deltas_used_ = false;
    try {
        PgOffsetStore::check_and_lock(conn, identity_.consumer_group, batch);
        if (!p.ready.empty()) {
            if (isolate) {
                store_isolating(conn, batch, p, p.ready);
            } else {
                store_all(conn, batch, p);
            }
        }
        write_jobs(conn, batch, p, isolate);
        write_rejections(conn, batch, p);
        write_progress(conn, batch, p);
        PgOffsetStore::advance(conn, identity_.consumer_group, batch);
        result.completed_jobs = complete_jobs(conn, p);
        result.trips_inserted = p.stored.size();
        result.rows_rejected = batch.rejections().size() + p.refused.size();
        result.rows_refused = p.refused.size();
        result.aggregate_rows = p.aggregate_rows;
        const nlohmann::json note = {{"consumer", identity_.consumer_id},
                                     {"batch_id", p.batch_id},
                                     {"trips", result.trips_inserted},
                                     {"rejected", result.rows_rejected},
                                     {"completed_jobs", result.completed_jobs}};
        conn.exec(consumer_sql::kNotifyStatus,
                  {note.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
        conn.exec(consumer_sql::kCommit);
    } catch (...) {
        if (conn.healthy()) {
            try {
                conn.exec(consumer_sql::kRollback);
            } catch (const db::PgError&) {
            }
        }
        throw;
    }
    return result;
}

// Optimistic: a clean batch is written with no savepoint at all. Only when the database
// refuses the content of some row is the transaction rolled back and the batch written again,
// now isolating each refused row (store_isolating, a savepoint per attempt).
WriteResult BatchWriter::write(db::PgConnection& conn, const TripBatch& batch) {
    if (batch.empty()) return {};
    Prepared p;
    prepare(conn, batch, p);
    const size_t refused_before = p.refused.size();  // refused by lookups in prepare()
    try {
        return write_transaction(conn, batch, p, false);
    } catch (const db::PgError& e) {
        if (!e.data_error() || !conn.healthy()) throw;
    }
    p.stored.clear();
    p.refused.resize(refused_before);
    p.refused_jobs.resize(refused_before);
    p.aggregate_rows = 0;
    return write_transaction(conn, batch, p, true);
}

}  // namespace tripstream
