// RAII ownership of librdkafka C handles, and building a configuration with every
// property checked where it is set.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace tripstream::kafka {

class KafkaError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct HandleDeleter {
    void operator()(rd_kafka_t* h) const { rd_kafka_destroy(h); }
};
struct TopicPartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const {
        rd_kafka_topic_partition_list_destroy(l);
    }
};
struct EventDeleter {
    void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct QueueDeleter {
    void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct MessageDeleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using TopicPartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

using Properties = std::map<std::string, std::string>;

// Builds a configuration; throws KafkaError naming the property librdkafka refused.
ConfPtr make_conf(const Properties& properties);

// Creates a producer or consumer handle from `conf` (ownership passes to the handle).
HandlePtr make_handle(rd_kafka_type_t type, ConfPtr conf);

// "topic[partition]@offset" for error messages.
std::string describe(const std::string& topic, int32_t partition, int64_t offset = -1);

}  // namespace tripstream::kafka
