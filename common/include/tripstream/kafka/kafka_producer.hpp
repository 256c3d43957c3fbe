// An idempotent, throughput-tuned Kafka producer that counts every delivery report, so a
// caller can never report success for a message the broker did not acknowledge. One producer
// may serve several jobs at once from several threads (the API's uploads share one): each job
// counts its messages in a DeliveryTally of its own and waits for those only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tripstream/kafka/delivery_tally.hpp"
#include "tripstream/kafka/kafka_connection.hpp"
#include "tripstream/kafka/kafka_handle.hpp"

namespace tripstream::kafka {

struct TopicDeleter {
    void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

class KafkaProducer {
  public:
    // Defaults favour throughput with durability: idempotence (acks=all, no duplicates on
    // retry), lz4, large batches, a bounded queue so memory stays flat.
    explicit KafkaProducer(const KafkaConnection& connection, const Properties& overrides = {});
    ~KafkaProducer();
    KafkaProducer(const KafkaProducer&) = delete;
    KafkaProducer& operator=(const KafkaProducer&) = delete;

    TopicPtr topic(const std::string& name);

    // Enqueues one message (copied), counted in `tally` under `kind`; waits while the local
    // queue is full. partition < 0 lets librdkafka choose from the key. Thread-safe.
    void produce(rd_kafka_topic_t* topic, int32_t partition, std::string_view key,
                 std::string_view value, DeliveryTally& tally, int kind);
    // The same, counted in the producer's own tally (stats()).
    void produce(rd_kafka_topic_t* topic, int32_t partition, std::string_view key,
                 std::string_view value, int kind = 0) {
        produce(topic, partition, key, value, tally_, kind);
    }

    // Serves delivery reports without blocking (any job's: whichever thread polls).
    void poll() { rd_kafka_poll(handle_.get(), 0); }

    // Waits until every enqueued message is acknowledged or failed; false on timeout.
    bool flush(std::chrono::milliseconds timeout);
    // Waits until every message of `tally` is acknowledged or failed, however many other
    // jobs keep the producer busy; false on timeout.
    bool wait_for(const DeliveryTally& tally, std::chrono::milliseconds timeout);
    // Keeps `tally` alive until the producer is destroyed: messages of a job that stopped
    // waiting for them still report into it.
    void retain(std::shared_ptr<DeliveryTally> tally);

    // Counters of the producer's own tally (messages produced without one).
    DeliveryStats stats(int kind = 0) const { return tally_.stats(kind); }
    uint64_t delivered(int kind = 0) const { return tally_.delivered(kind); }
    rd_kafka_t* handle() { return handle_.get(); }

  private:
    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) noexcept;

    DeliveryTally tally_;
    std::mutex retained_mutex_;
    std::vector<std::shared_ptr<DeliveryTally>> retained_;
    HandlePtr handle_;  // last: destroyed first, while the tallies it reports into still exist
};

}  // namespace tripstream::kafka
