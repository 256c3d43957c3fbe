// A Kafka consumer handle: group membership or manual assignment, polling, clean close.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tripstream/kafka/client_errors.hpp"
#include "tripstream/kafka/kafka_connection.hpp"
#include "tripstream/kafka/kafka_handle.hpp"

namespace tripstream::kafka {

struct PartitionOffset {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
};

// Called on group rebalances with RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS or
// RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS; it must call rd_kafka_assign itself.
using RebalanceHandler =
    std::function<void(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*)>;

class KafkaConsumer {
  public:
    // Offsets are never auto-committed: tripstream stores them where the data goes.
    KafkaConsumer(const KafkaConnection& connection, const std::string& group_id,
                  const Properties& overrides = {}, RebalanceHandler on_rebalance = {});
    ~KafkaConsumer();
    KafkaConsumer(const KafkaConsumer&) = delete;
    KafkaConsumer& operator=(const KafkaConsumer&) = delete;

    void subscribe(const std::vector<std::string>& topics);
    void assign(const std::vector<PartitionOffset>& partitions);

    // The next message or event (check ->err), or nullptr after `timeout` without one.
    MessagePtr poll(std::chrono::milliseconds timeout);

    // Leaves the group (the rebalance handler runs for the revocation); the destructor calls
    // it if not called before. Returns librdkafka's error code (NO_ERROR when already closed).
    rd_kafka_resp_err_t close();

    rd_kafka_t* handle() { return handle_.get(); }

    // The brokers refused this consumer (a login or TLS handshake failed): the reason. Read
    // after poll(), which serves the reports; librdkafka itself would retry for ever.
    bool refused() const noexcept { return errors_.refused(); }
    std::optional<std::string> refusal() const { return errors_.refusal(); }

  private:
    // Called by librdkafka's C code: must not throw (the handler is noexcept-wrapped here).
    static void rebalance_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* partitions, void* opaque);

    static void error_trampoline(rd_kafka_t* rk, int code, const char* reason, void* opaque);

    // Before handle_: the handle calls them until destroyed.
    RebalanceHandler on_rebalance_;
    ClientErrors errors_;
    HandlePtr handle_;
    bool closed_ = false;
};

}  // namespace tripstream::kafka
