// The writer: one batch, one PostgreSQL transaction. Raw trips by binary COPY, aggregate
// deltas upserted, rejected rows and job records stored, progress counted, and the Kafka
// offsets of every partition the batch covers checked and advanced, all committed together.
// After a crash either all of it is in the database or none of it is.
//
// Poison isolation: a row the database refuses for its content (SQLSTATE class 22, data
// exception, or 23, integrity violation) does not fail the batch. A batch is first written
// with no savepoint; when the database refuses it, the transaction is rolled back and the
// batch written again with the rows stored under a savepoint: a refused attempt is rolled
// back to it, the rows are split in halves and each half is tried again, down to the single
// refused row, which is stored as a rejected row (stage 'consumer', with the database's
// message) in the same transaction. A clean batch pays nothing for this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tripstream/consumer/dimension_cache.hpp"
#include "tripstream/consumer/offset_store.hpp"
#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/consumer/trip_batch.hpp"
#include "tripstream/db/binary_copy.hpp"
#include "tripstream/db/pg_connection.hpp"

namespace tripstream {

struct WriteResult {
    uint64_t trips_inserted = 0;
    uint64_t rows_rejected = 0;   // rejected rows recorded (producer and consumer stage)
    uint64_t rows_refused = 0;    // of those, rows the database refused (isolated)
    uint64_t aggregate_rows = 0;  // cell and cluster delta rows upserted
    std::vector<std::string> completed_jobs;
};

// What a trip row holds when no cluster was assigned (no model loaded, or the model lacks the
// trip's region). Rows written before migration 0003 hold NULL for both instead.
inline constexpr int16_t kUnassignedCluster = -1;
inline constexpr int16_t kNoModel = 0;  // models.model_id starts at 1

struct WriterIdentity {
    std::string consumer_group;
    std::string consumer_id;
    std::string trips_topic;  // named in the rejected rows of refused trips
    int16_t model_id = -1;    // -1: no k-means model loaded
};

class BatchWriter {
  public:
    explicit BatchWriter(WriterIdentity identity) : identity_(std::move(identity)) {}

    // Writes `batch` in one transaction. Throws db::PgError (check retryable()) for failures
    // that are not about a row's content, or FencedError; on any exception nothing of the
    // batch is committed.
    WriteResult write(db::PgConnection& conn, const TripBatch& batch);

    DimensionCache& dimensions() { return dims_; }

  private:
    struct RowIds {
        int32_t job = 0;
        int16_t region = 0;
        int16_t datasource = 0;
    };
    struct Prepared;

    void prepare(db::PgConnection& conn, const TripBatch& batch, Prepared& p);
    WriteResult write_transaction(db::PgConnection& conn, const TripBatch& batch, Prepared& p,
                                  bool isolate);
    void store_all(db::PgConnection& conn, const TripBatch& batch, Prepared& p);
    void store_isolating(db::PgConnection& conn, const TripBatch& batch, Prepared& p,
                         const std::vector<size_t>& rows);
    bool try_store(db::PgConnection& conn, const TripBatch& batch, Prepared& p,
                   const std::vector<size_t>& rows, std::string& refusal);
    void encode_trips(const TripBatch& batch, const Prepared& p, const std::vector<size_t>& rows);
    void upsert_aggregates(db::PgConnection& conn);
    void write_jobs(db::PgConnection& conn, const TripBatch& batch, Prepared& p, bool isolate);
    void write_rejections(db::PgConnection& conn, const TripBatch& batch, Prepared& p);
    void write_progress(db::PgConnection& conn, const TripBatch& batch, const Prepared& p);
    std::vector<std::string> complete_jobs(db::PgConnection& conn, const Prepared& p);

    WriterIdentity identity_;
    DimensionCache dims_;
    TripAggregates aggregates_;
    bool deltas_used_ = false;  // the temp delta tables hold rows of an earlier attempt
    db::BinaryCopyBuffer trips_copy_;
    db::BinaryCopyBuffer cells_copy_;
    db::BinaryCopyBuffer clusters_copy_;
    db::BinaryCopyBuffer rejected_copy_;
};

}  // namespace tripstream
