#include "tripstream/kafka/kafka_consumer.hpp"

namespace tripstream::kafka {
namespace {

Properties consumer_properties(const KafkaConnection& connection, const std::string& group_id,
                               const Properties& overrides) {
    Properties p = connection_properties(connection);
    p.insert({
        {"group.id", group_id},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"enable.partition.eof", "false"},
        {"log_level", "4"},
    });
    for (const auto& [k, v] : overrides)
        p[k] = v;
    return p;
}

}  // namespace

KafkaConsumer::KafkaConsumer(const KafkaConnection& connection, const std::string& group_id,
                             const Properties& overrides, RebalanceHandler on_rebalance)
    : on_rebalance_(std::move(on_rebalance)), errors_(connection) {
    ConfPtr conf = make_conf(consumer_properties(connection, group_id, overrides));
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_error_cb(conf.get(), &KafkaConsumer::error_trampoline);
    if (on_rebalance_) {
        rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaConsumer::rebalance_trampoline);
    }
    handle_ = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
    if (const auto code = rd_kafka_poll_set_consumer(handle_.get())) {
        throw KafkaError(std::string("redirecting the main queue to the consumer: ") +
                         rd_kafka_err2str(code));
    }
}

void KafkaConsumer::rebalance_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                         rd_kafka_topic_partition_list_t* partitions,
                                         void* opaque) {
    // An exception must not unwind through librdkafka's C frames. A handler that lets one
    // escape has a bug; the partitions are given back so that the group can go on.
    try {
        static_cast<KafkaConsumer*>(opaque)->on_rebalance_(rk, err, partitions);
    } catch (...) {
        rd_kafka_assign(rk, nullptr);
    }
}

void KafkaConsumer::error_trampoline(rd_kafka_t* rk, int code, const char* reason, void* opaque) {
    static_cast<KafkaConsumer*>(opaque)->errors_.record(rk, static_cast<rd_kafka_resp_err_t>(code),
                                                        reason);
}

KafkaConsumer::~KafkaConsumer() {
    close();  // the error, if any, was the caller's to read by closing first
}

void KafkaConsumer::subscribe(const std::vector<std::string>& topics) {
    TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const auto& t : topics) {
        rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (auto code = rd_kafka_subscribe(handle_.get(), list.get())) {
        throw KafkaError(std::string("subscribe: ") + rd_kafka_err2str(code));
    }
}

void KafkaConsumer::assign(const std::vector<PartitionOffset>& partitions) {
    TopicPartitionListPtr list(
        rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& p : partitions) {
        rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset =
            p.offset;
    }
    if (auto code = rd_kafka_assign(handle_.get(), list.get())) {
        throw KafkaError(std::string("assign: ") + rd_kafka_err2str(code));
    }
}

MessagePtr KafkaConsumer::poll(std::chrono::milliseconds timeout) {
    return MessagePtr(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
}

rd_kafka_resp_err_t KafkaConsumer::close() {
    if (closed_ || !handle_) return RD_KAFKA_RESP_ERR_NO_ERROR;
    closed_ = true;
    return rd_kafka_consumer_close(handle_.get());
}

}  // namespace tripstream::kafka
