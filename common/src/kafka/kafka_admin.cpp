#include "tripstream/kafka/kafka_admin.hpp"

#include <memory>
#include <thread>

namespace tripstream::kafka {
namespace {

struct NewTopicDeleter {
    void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct AdminOptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct DeleteRecordsDeleter {
    void operator()(rd_kafka_DeleteRecords_t* d) const { rd_kafka_DeleteRecords_destroy(d); }
};
struct DeleteTopicDeleter {
    void operator()(rd_kafka_DeleteTopic_t* d) const { rd_kafka_DeleteTopic_destroy(d); }
};
struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};

int timeout_ms(std::chrono::milliseconds t) {
    return static_cast<int>(t.count());
}

// Throws KafkaError for the first per-topic result of a CreateTopics or DeleteTopics request
// that failed with anything but `harmless` (already exists, or does not exist).
void check_topic_results(const rd_kafka_topic_result_t** results, size_t count,
                         rd_kafka_resp_err_t harmless, const std::string& what) {
    for (size_t i = 0; i < count; ++i) {
        const auto code = rd_kafka_topic_result_error(results[i]);
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != harmless) {
            throw KafkaError(what + " " + rd_kafka_topic_result_name(results[i]) + ": " +
                             rd_kafka_topic_result_error_string(results[i]));
        }
    }
}

}  // namespace

namespace {

HandlePtr make_admin_handle(const KafkaConnection& connection, ClientErrors& errors) {
    Properties p = connection_properties(connection);
    p["log_level"] = "3";
    ConfPtr conf = make_conf(p);
    errors.watch(conf.get());
    return make_handle(RD_KAFKA_PRODUCER, std::move(conf));
}

}  // namespace

KafkaAdmin::KafkaAdmin(const KafkaConnection& connection)
    : errors_(std::make_unique<ClientErrors>(connection)),
      handle_(make_admin_handle(connection, *errors_)) {}

void KafkaAdmin::begin_operation() {
    rd_kafka_poll(handle_.get(), 0);
    errors_->forget_refusal();
}

void KafkaAdmin::throw_if_refused(const std::string& what) {
    rd_kafka_poll(handle_.get(), 0);  // serves the error reports waiting for the callback
    if (auto refusal = errors_->refusal()) {
        throw KafkaError(what + ": the brokers refused this client: " + *refusal);
    }
}

void KafkaAdmin::fail(const std::string& what, rd_kafka_resp_err_t code) {
    throw_if_refused(what);
    const std::string latest = errors_->latest();
    throw KafkaError(what + ": " + rd_kafka_err2str(code) +
                     (latest.empty() ? "" : " (the brokers' latest error: " + latest + ")"));
}

EventPtr KafkaAdmin::await(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                           const std::string& what) {
    // In short slices, so that a refused login ends the wait at once.
    constexpr int kSliceMs = 100;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (EventPtr event{rd_kafka_queue_poll(queue, kSliceMs)}) return event;
        throw_if_refused(what);
        if (std::chrono::steady_clock::now() >= deadline) fail(what, RD_KAFKA_RESP_ERR__TIMED_OUT);
    }
}

void KafkaAdmin::ensure_topic(const TopicSpec& spec, std::chrono::milliseconds timeout) {
    begin_operation();
    char err[512];
    std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> topic(
        rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, 1, err, sizeof err));
    if (!topic) throw KafkaError("topic " + spec.name + ": " + err);
    for (const auto& [name, value] : spec.config) {
        if (auto e = rd_kafka_NewTopic_set_config(topic.get(), name.c_str(), value.c_str())) {
            throw KafkaError("topic " + spec.name + " config " + name + ": " + rd_kafka_err2str(e));
        }
    }
    std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
        rd_kafka_AdminOptions_new(handle_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
    if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms(timeout), err,
                                                    sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw KafkaError(std::string("admin operation timeout: ") + err);
    }
    QueuePtr queue(rd_kafka_queue_new(handle_.get()));
    rd_kafka_NewTopic_t* topics[] = {topic.get()};
    rd_kafka_CreateTopics(handle_.get(), topics, 1, options.get(), queue.get());

    EventPtr event = await(queue.get(), timeout + std::chrono::seconds(5),
                           "topic " + spec.name + ": CreateTopics");
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw KafkaError("topic " + spec.name + ": " + rd_kafka_event_error_string(event.get()));
    }
    size_t count = 0;
    const auto* result = rd_kafka_event_CreateTopics_result(event.get());
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
    check_topic_results(results, count, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                        "cannot create topic");
    wait_until_listed(spec.name, timeout);
}

// A KRaft broker learns of a new topic from the controller's log a moment after CreateTopics
// has answered (seen with Kafka 4.4: a metadata request right after it did not list the
// topic yet). Waiting here lets every caller use the topic at once.
void KafkaAdmin::wait_until_listed(const std::string& topic, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (partition_count(topic, timeout) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            throw KafkaError("topic " + topic + ": created, but the broker's metadata still does " +
                             "not list it after " + std::to_string(timeout.count()) + " ms");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void KafkaAdmin::check_reachable(std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* raw = nullptr;
    // all_topics=0 with no topic: only the locally known topics (none), i.e. the brokers.
    begin_operation();
    const auto code = rd_kafka_metadata(handle_.get(), 0, nullptr, &raw, timeout_ms(timeout));
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) fail("metadata request", code);
    std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
    if (metadata->broker_cnt == 0) throw KafkaError("metadata request: no broker listed");
}

int KafkaAdmin::partition_count(const std::string& topic, std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* raw = nullptr;
    // all_topics=1 avoids auto-creating the topic by asking for it by name.
    begin_operation();
    auto code = rd_kafka_metadata(handle_.get(), 1, nullptr, &raw, timeout_ms(timeout));
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) fail("metadata request for topic " + topic, code);
    std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        const auto& t = metadata->topics[i];
        if (topic == t.topic && t.err == RD_KAFKA_RESP_ERR_NO_ERROR) return t.partition_cnt;
    }
    return 0;
}

std::vector<int64_t> KafkaAdmin::end_offsets(const std::string& topic,
                                             std::chrono::milliseconds timeout) {
    const int partitions = partition_count(topic, timeout);
    std::vector<int64_t> ends(static_cast<size_t>(partitions), 0);
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0;
        int64_t high = 0;
        auto code = rd_kafka_query_watermark_offsets(handle_.get(), topic.c_str(), p, &low, &high,
                                                     timeout_ms(timeout));
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) fail("watermarks of " + describe(topic, p), code);
        ends[static_cast<size_t>(p)] = high;
    }
    return ends;
}

void KafkaAdmin::delete_records_before(const std::string& topic, int32_t partition, int64_t offset,
                                       std::chrono::milliseconds timeout) {
    begin_operation();
    TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    std::unique_ptr<rd_kafka_DeleteRecords_t, DeleteRecordsDeleter> request(
        rd_kafka_DeleteRecords_new(list.get()));
    QueuePtr queue(rd_kafka_queue_new(handle_.get()));
    rd_kafka_DeleteRecords_t* requests[] = {request.get()};
    rd_kafka_DeleteRecords(handle_.get(), requests, 1, nullptr, queue.get());
    const std::string what =
        "delete records of " + describe(topic, partition) + " before " + std::to_string(offset);
    EventPtr event = await(queue.get(), timeout, what);
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw KafkaError(what + ": " + rd_kafka_event_error_string(event.get()));
    }
    const auto* result = rd_kafka_event_DeleteRecords_result(event.get());
    const auto* offsets = rd_kafka_DeleteRecords_result_offsets(result);
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
        if (offsets->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw KafkaError(what + ": " + rd_kafka_err2str(offsets->elems[i].err));
        }
    }
}

void KafkaAdmin::delete_topics(const std::vector<std::string>& topics,
                               std::chrono::milliseconds timeout) {
    begin_operation();
    if (topics.empty()) return;
    std::vector<std::unique_ptr<rd_kafka_DeleteTopic_t, DeleteTopicDeleter>> owned;
    std::vector<rd_kafka_DeleteTopic_t*> requests;
    for (const auto& t : topics) {
        owned.emplace_back(rd_kafka_DeleteTopic_new(t.c_str()));
        requests.push_back(owned.back().get());
    }
    char err[512];
    std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
        rd_kafka_AdminOptions_new(handle_.get(), RD_KAFKA_ADMIN_OP_DELETETOPICS));
    if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms(timeout), err,
                                                    sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw KafkaError(std::string("admin operation timeout: ") + err);
    }
    QueuePtr queue(rd_kafka_queue_new(handle_.get()));
    rd_kafka_DeleteTopics(handle_.get(), requests.data(), requests.size(), options.get(),
                          queue.get());
    EventPtr event = await(queue.get(), timeout + std::chrono::seconds(5), "delete topics");
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw KafkaError(std::string("delete topics: ") + rd_kafka_event_error_string(event.get()));
    }
    size_t count = 0;
    const auto* result = rd_kafka_event_DeleteTopics_result(event.get());
    const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(result, &count);
    check_topic_results(results, count, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                        "cannot delete topic");
}

}  // namespace tripstream::kafka
