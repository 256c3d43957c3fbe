// Topic administration: creating and deleting topics, reading partition end offsets.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tripstream/kafka/client_errors.hpp"
#include "tripstream/kafka/kafka_connection.hpp"
#include "tripstream/kafka/kafka_handle.hpp"

namespace tripstream::kafka {

struct TopicSpec {
    std::string name;
    int partitions = 12;
    Properties config;  // topic-level configs, e.g. cleanup.policy=compact
};

// A request during which the brokers refuse the client's login or TLS handshake fails with
// their reason: at once while waiting for an admin result, at its timeout for a metadata or
// offsets request (librdkafka itself would retry for ever).
class KafkaAdmin {
  public:
    explicit KafkaAdmin(const KafkaConnection& connection);

    // Creates the topic unless it exists (an existing topic is left as it is), and returns once
    // the broker's metadata lists it.
    void ensure_topic(const TopicSpec& spec,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Returns when a broker answers a metadata request (for no topic: the cheapest request
    // that proves a broker serves); throws KafkaError when none does within `timeout`.
    void check_reachable(std::chrono::milliseconds timeout);

    // Number of partitions of `topic`, or 0 when the topic does not exist.
    int partition_count(const std::string& topic,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // High watermark (next offset to be written) of every partition, indexed by partition.
    std::vector<int64_t> end_offsets(const std::string& topic,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Deletes the messages of `topic`[`partition`] before `offset` (what retention does).
    void delete_records_before(const std::string& topic, int32_t partition, int64_t offset,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Deletes the topics that exist among `topics` (a missing one is not an error).
    void delete_topics(const std::vector<std::string>& topics,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

  private:
    void wait_until_listed(const std::string& topic, std::chrono::milliseconds timeout);
    // The result of an admin request on `queue`; throws KafkaError("`what`: ...") when none
    // comes within `timeout` or the brokers refused the client meanwhile.
    EventPtr await(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                   const std::string& what);
    // Throws KafkaError("`what`: <code>") with the brokers' reason when one is known.
    [[noreturn]] void fail(const std::string& what, rd_kafka_resp_err_t code);
    void throw_if_refused(const std::string& what);
    // Forgets refusals reported before this operation (see ClientErrors::refusal()).
    void begin_operation();

    std::unique_ptr<ClientErrors> errors_;  // before handle_: it reports here until destroyed
    HandlePtr handle_;
};

}  // namespace tripstream::kafka
