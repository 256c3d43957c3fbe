#include "tripstream/kafka/kafka_producer.hpp"

namespace tripstream::kafka {
namespace {

Properties producer_properties(const std::string& bootstrap_servers, const Properties& overrides) {
    Properties p = {
        {"bootstrap.servers", bootstrap_servers},
        {"enable.idempotence", "true"},
        {"compression.type", "lz4"},
        {"linger.ms", "25"},
        {"batch.size", "1000000"},
        {"batch.num.messages", "100000"},
        // Bounded local queue: memory stays flat whatever the input size.
        {"queue.buffering.max.messages", "200000"},
        {"queue.buffering.max.kbytes", "65536"},
        {"message.timeout.ms", "120000"},
        {"log_level", "4"},
    };
    for (const auto& [k, v] : overrides)
        p[k] = v;
    return p;
}

}  // namespace

KafkaProducer::KafkaProducer(const std::string& bootstrap_servers, const Properties& overrides) {
    ConfPtr conf = make_conf(producer_properties(bootstrap_servers, overrides));
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::on_delivery);
    rd_kafka_conf_set_opaque(conf.get(), this);
    handle_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
}

KafkaProducer::~KafkaProducer() {
    // Give in-flight messages a short chance; callers that care call flush() themselves.
    if (handle_) rd_kafka_flush(handle_.get(), 1000);
}

TopicPtr KafkaProducer::topic(const std::string& name) {
    TopicPtr t(rd_kafka_topic_new(handle_.get(), name.c_str(), nullptr));
    if (!t) {
        throw KafkaError("topic " + name + ": " + rd_kafka_err2str(rd_kafka_last_error()));
    }
    return t;
}

void KafkaProducer::produce(rd_kafka_topic_t* topic, int32_t partition, std::string_view key,
                            std::string_view value, int kind) {
    if (kind < 0 || kind >= kMessageKinds) throw KafkaError("message kind out of range");
    const int32_t target = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
    for (;;) {
        int rc =
            rd_kafka_produce(topic, target, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                             value.size(), key.empty() ? nullptr : key.data(), key.size(),
                             reinterpret_cast<void*>(static_cast<intptr_t>(kind)));
        if (rc == 0) break;
        const auto code = rd_kafka_last_error();
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            throw KafkaError("produce to " + describe(rd_kafka_topic_name(topic), target) + ": " +
                             rd_kafka_err2str(code));
        }
        // The local queue is full: serve delivery reports until there is room.
        rd_kafka_poll(handle_.get(), 10);
    }
    produced_[kind].fetch_add(1, std::memory_order_relaxed);
}

bool KafkaProducer::flush(std::chrono::milliseconds timeout) {
    return rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count())) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
}

DeliveryStats KafkaProducer::stats(int kind) const {
    DeliveryStats s;
    s.produced = produced_[kind].load(std::memory_order_relaxed);
    s.delivered = delivered_[kind].load(std::memory_order_relaxed);
    s.failed = failed_[kind].load(std::memory_order_relaxed);
    std::lock_guard lock(error_mutex_);
    s.first_error = first_error_;
    return s;
}

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message,
                                void* opaque) noexcept {
    auto* self = static_cast<KafkaProducer*>(opaque);
    const auto kind = static_cast<int>(reinterpret_cast<intptr_t>(message->_private));
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        self->delivered_[kind].fetch_add(1, std::memory_order_relaxed);
        return;
    }
    self->failed_[kind].fetch_add(1, std::memory_order_relaxed);
    // Called from librdkafka's C code: nothing may throw out of here (the message text
    // allocates).
    try {
        std::lock_guard lock(self->error_mutex_);
        if (self->first_error_.empty()) {
            self->first_error_ = describe(rd_kafka_topic_name(message->rkt), message->partition) +
                                 ": " + rd_kafka_err2str(message->err);
        }
    } catch (...) {
    }
}

}  // namespace tripstream::kafka
