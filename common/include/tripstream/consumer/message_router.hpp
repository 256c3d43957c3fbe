// Turns each message read from Kafka into an entry of the batch: a trip, a rejected row, or a
// job record. The consumer does not trust its topics (older producers, other tools and
// hand-typed messages write to them too): every message is decoded and validated again, and
// one that is not what its topic should carry becomes a rejected row with the reason and its
// raw bytes, never an exception. Plain function of its input: no Kafka, no database.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tripstream/consumer/trip_batch.hpp"
#include "tripstream/kmeans/kmeans_model.hpp"

namespace tripstream {

// The longest raw excerpt stored with a rejected row; rejected_rows.raw_length keeps the
// original length.
inline constexpr size_t kMaxRawExcerptBytes = 4096;

struct ConsumerTopics {
    std::string trips;
    std::string dead_letter;
    std::string jobs;
};

struct IncomingMessage {
    std::string_view topic;
    int32_t partition = 0;
    int64_t offset = 0;
    std::string_view payload;
};

class MessageRouter {
  public:
    // `model` may be null: trips are then unassigned (cluster -1).
    MessageRouter(ConsumerTopics topics, std::shared_ptr<const kmeans::KMeansModel> model);

    // Adds `message` to `batch` as exactly one trip, rejected row or job record. The caller
    // has noted its offset. Never throws on message content.
    void route(const IncomingMessage& message, TripBatch& batch);

    // Trips routed without a cluster (no model, or the model lacks the region).
    uint64_t unclustered() const { return unclustered_.load(std::memory_order_relaxed); }

  private:
    void route_trip(const IncomingMessage& message, TripBatch& batch);
    void route_dead_letter(const IncomingMessage& message, BatchRejection& rejection);
    void route_job(const IncomingMessage& message, TripBatch& batch);

    ConsumerTopics topics_;
    std::shared_ptr<const kmeans::KMeansModel> model_;
    std::atomic<uint64_t> unclustered_{0};
};

// A rejection of `message` by the consumer, with its raw bytes (capped) and `reason`.
BatchRejection consumer_rejection(const IncomingMessage& message, std::string reason);

}  // namespace tripstream
