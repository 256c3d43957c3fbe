#include "tripstream/api/upload_producer.hpp"

#include "tripstream/kafka/trip_topics.hpp"

namespace tripstream::api {

kafka::KafkaProducer& UploadProducer::producer() {
    std::lock_guard lock(mutex_);
    if (!producer_) producer_ = std::make_unique<kafka::KafkaProducer>(config_);
    return *producer_;
}

int UploadProducer::trip_partitions() {
    // Held while asking Kafka: concurrent first uploads wait for one answer instead of each
    // sending its own CreateTopics requests.
    std::lock_guard lock(topics_mutex_);
    if (!partitions_) partitions_ = kafka::ensure_trip_topics(config_);
    return *partitions_;
}

}  // namespace tripstream::api
