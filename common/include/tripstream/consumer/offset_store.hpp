// Where the consumer group's committed positions live. tripstream commits offsets in the same
// PostgreSQL transaction as the rows they cover (exactly once), so the Kafka side asks this
// store, not Kafka, where to start reading a partition it is assigned.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tripstream/consumer/trip_batch.hpp"
#include "tripstream/db/pg_connection.hpp"

namespace tripstream {

// The stored offset of a partition is not where a batch continues from: another consumer
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

// The Kafka side's view of the store: where each partition continues from.
class OffsetStore {
  public:
    virtual ~OffsetStore() = default;
    // The stored next offset of each of `partitions` (kNoOffset where the group never
    // committed one). Throws db::PgError (check retryable()).
    virtual std::map<TopicPartition, int64_t> committed(
        const std::vector<TopicPartition>& partitions) = 0;
};

// The store in tripstream.kafka_offsets, read over a connection of its own (the writer's is
// busy with a batch while partitions are reassigned).
class PgOffsetStore : public OffsetStore {
  public:
    PgOffsetStore(std::string database_url, std::string consumer_group, std::string application);

    std::map<TopicPartition, int64_t> committed(
        const std::vector<TopicPartition>& partitions) override;

    // Inside the batch transaction: locks the rows of every partition `batch` covers and
    // checks that each stored offset is where the batch continues from; throws FencedError
    // naming the partitions another consumer committed.
    static void check_and_lock(db::PgConnection& conn, const std::string& consumer_group,
                               const TripBatch& batch);
    // Inside the batch transaction: stores one past the last offset read of every partition.
    static void advance(db::PgConnection& conn, const std::string& consumer_group,
                        const TripBatch& batch);

  private:
    std::string database_url_;
    std::string consumer_group_;
    std::string application_;
    std::unique_ptr<db::PgConnection> conn_;
};

}  // namespace tripstream
