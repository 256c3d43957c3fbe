// The writer: one batch, one PostgreSQL transaction. Raw trips by binary COPY, aggregate
// deltas upserted, rejected rows and job records stored, progress counted, and the Kafka
// offsets of every partition the batch covers checked and advanced, all committed together.
// After a crash either all of it is in the database or none of it is.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tripstream/consumer/dimension_cache.hpp"
#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/consumer/trip_batch.hpp"
#include "tripstream/db/binary_copy.hpp"
#include "tripstream/db/pg_connection.hpp"

namespace tripstream {

// The stored offset of a partition is not where this batch starts: another consumer
// committed these messages (this one lost the partition) or a range was skipped. The batch
// is not written; the caller re-reads the partitions from their stored offsets.
class FencedError : public std::runtime_error {
  public:
    FencedError(const std::string& what, std::vector<TopicPartition> partitions)
        : std::runtime_error(what), partitions_(std::move(partitions)) {}
    const std::vector<TopicPartition>& partitions() const { return partitions_; }

  private:
    std::vector<TopicPartition> partitions_;
};

struct WriteResult {
    uint64_t trips_inserted = 0;
    uint64_t rows_rejected = 0;   // rejected rows recorded (producer and consumer stage)
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
    int16_t model_id = -1;  // -1: no k-means model loaded
};

class BatchWriter {
  public:
    explicit BatchWriter(WriterIdentity identity) : identity_(std::move(identity)) {}

    // Writes `batch` in one transaction. Throws db::PgError (check retryable()) or
    // FencedError; on any exception nothing of the batch is committed.
    WriteResult write(db::PgConnection& conn, const TripBatch& batch);

    DimensionCache& dimensions() { return dims_; }

  private:
    struct Prepared;
    void prepare(db::PgConnection& conn, const TripBatch& batch, Prepared& p);
    void check_and_lock_offsets(db::PgConnection& conn, const TripBatch& batch);
    void advance_offsets(db::PgConnection& conn, const TripBatch& batch);
    void upsert_aggregates(db::PgConnection& conn);
    void write_jobs(db::PgConnection& conn, const TripBatch& batch);
    void write_progress(db::PgConnection& conn, const Prepared& p);
    std::vector<std::string> complete_jobs(db::PgConnection& conn, const Prepared& p);

    WriterIdentity identity_;
    DimensionCache dims_;
    TripAggregates aggregates_;
    db::BinaryCopyBuffer trips_copy_;
    db::BinaryCopyBuffer cells_copy_;
    db::BinaryCopyBuffer clusters_copy_;
    db::BinaryCopyBuffer rejected_copy_;
};

}  // namespace tripstream
