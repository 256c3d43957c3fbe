// The one Kafka producer that every upload (POST /v1/ingestions) of the process shares, made
// on the first upload, and the trip topics' partition count, checked once. A producer per
// upload cost a librdkafka handle, its threads, broker connections and a 64 MiB queue each,
// plus an admin client and three CreateTopics requests before the first row. Each upload's
// TripProducer counts its own deliveries (kafka::DeliveryTally), so concurrent uploads
// neither wait for nor fail on each other's messages.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "tripstream/config.hpp"
#include "tripstream/kafka/kafka_producer.hpp"

namespace tripstream::api {

class UploadProducer {
  public:
    explicit UploadProducer(KafkaConfig config) : config_(std::move(config)) {}

    // The shared producer, created on the first call. Thread-safe. Throws KafkaError.
    kafka::KafkaProducer& producer();

    // The trips topic's partition count, creating the three topics on the first successful
    // call and remembering the answer; a failure is not remembered (the next upload asks
    // again). Thread-safe. Throws KafkaError.
    int trip_partitions();

  private:
    KafkaConfig config_;
    std::mutex mutex_;
    std::unique_ptr<kafka::KafkaProducer> producer_;
    std::mutex topics_mutex_;
    std::optional<int> partitions_;
};

}  // namespace tripstream::api
