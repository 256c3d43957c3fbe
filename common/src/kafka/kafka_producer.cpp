#include "tripstream/kafka/kafka_producer.hpp"

namespace tripstream::kafka {
namespace {

Properties producer_properties(const KafkaConnection& connection, const Properties& overrides) {
    Properties p = connection_properties(connection);
    p.insert({
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
    });
    for (const auto& [k, v] : overrides)
        p[k] = v;
    return p;
}

}  // namespace

KafkaProducer::KafkaProducer(const KafkaConnection& connection, const Properties& overrides) {
    ConfPtr conf = make_conf(producer_properties(connection, overrides));
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::on_delivery);
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
                            std::string_view value, DeliveryTally& tally, int kind) {
    if (kind < 0 || kind >= kMessageKinds) throw KafkaError("message kind out of range");
    const int32_t target = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
    // Counted before librdkafka has it: another thread may serve its report at once.
    tally.add_produced(kind, 1);
    for (;;) {
        int rc = rd_kafka_produce(topic, target, RD_KAFKA_MSG_F_COPY,
                                  const_cast<char*>(value.data()), value.size(),
                                  key.empty() ? nullptr : key.data(), key.size(), tally.slot(kind));
        if (rc == 0) return;
        const auto code = rd_kafka_last_error();
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            tally.add_produced(kind, -1);  // refused: no report will come for it
            throw KafkaError("produce to " + describe(rd_kafka_topic_name(topic), target) + ": " +
                             rd_kafka_err2str(code));
        }
        // The local queue is full: serve delivery reports until there is room.
        rd_kafka_poll(handle_.get(), 10);
    }
}

bool KafkaProducer::flush(std::chrono::milliseconds timeout) {
    return rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count())) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
}

// Polls rather than rd_kafka_flush(): a flush waits for every job's messages, so an upload
// that keeps producing would make another upload's wait time out and fail its job.
bool KafkaProducer::wait_for(const DeliveryTally& tally, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (tally.pending() > 0) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        // Any thread may serve any job's reports; a short wait notices ours soon.
        rd_kafka_poll(handle_.get(), 20);
    }
    return true;
}

void KafkaProducer::retain(std::shared_ptr<DeliveryTally> tally) {
    std::lock_guard lock(retained_mutex_);
    std::erase_if(retained_, [](const auto& t) { return t->pending() == 0; });
    retained_.push_back(std::move(tally));
}

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message,
                                void* /*opaque*/) noexcept {
    const auto* slot = static_cast<const DeliveryTally::Slot*>(message->_private);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        slot->tally->record_delivered(slot->kind);
        return;
    }
    // Called from librdkafka's C code: nothing may throw out of here (the text allocates).
    try {
        slot->tally->record_failed(
            slot->kind, describe(rd_kafka_topic_name(message->rkt), message->partition) + ": " +
                            rd_kafka_err2str(message->err));
    } catch (...) {
        slot->tally->record_failed(slot->kind, "");
    }
}

}  // namespace tripstream::kafka
