// An idempotent, throughput-tuned Kafka producer that counts every delivery report, so a
// caller can never report success for a message the broker did not acknowledge.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "tripstream/kafka/kafka_handle.hpp"

namespace tripstream::kafka {

struct TopicDeleter {
    void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

// Messages are counted per caller-chosen kind (0..kMessageKinds-1), e.g. trips versus
// dead-letter records, so each can be reconciled on its own.
inline constexpr int kMessageKinds = 4;

struct DeliveryStats {
    uint64_t produced = 0;    // handed to librdkafka
    uint64_t delivered = 0;   // acknowledged by the broker
    uint64_t failed = 0;      // permanently failed
    std::string first_error;  // topic[partition]: reason of the first failure
};

class KafkaProducer {
  public:
    // Defaults favour throughput with durability: idempotence (acks=all, no duplicates on
    // retry), lz4, large batches, a bounded queue so memory stays flat.
    explicit KafkaProducer(const std::string& bootstrap_servers, const Properties& overrides = {});
    ~KafkaProducer();
    KafkaProducer(const KafkaProducer&) = delete;
    KafkaProducer& operator=(const KafkaProducer&) = delete;

    TopicPtr topic(const std::string& name);

    // Enqueues one message (copied); waits while the local queue is full.
    // partition < 0 lets librdkafka choose from the key.
    void produce(rd_kafka_topic_t* topic, int32_t partition, std::string_view key,
                 std::string_view value, int kind = 0);

    // Serves delivery reports without blocking.
    void poll() { rd_kafka_poll(handle_.get(), 0); }

    // Waits until every enqueued message is acknowledged or failed; false on timeout.
    bool flush(std::chrono::milliseconds timeout);

    // Counters of one message kind; first_error is shared by all kinds.
    DeliveryStats stats(int kind = 0) const;
    uint64_t delivered(int kind = 0) const {
        return delivered_[kind].load(std::memory_order_relaxed);
    }
    rd_kafka_t* handle() { return handle_.get(); }

  private:
    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) noexcept;

    std::atomic<uint64_t> produced_[kMessageKinds] = {};
    std::atomic<uint64_t> delivered_[kMessageKinds] = {};
    std::atomic<uint64_t> failed_[kMessageKinds] = {};
    mutable std::mutex error_mutex_;
    std::string first_error_;
    HandlePtr handle_;  // last: destroyed first, while the counters it reports into still exist
};

}  // namespace tripstream::kafka
