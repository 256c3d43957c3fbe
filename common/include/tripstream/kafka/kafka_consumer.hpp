// A Kafka consumer handle: group membership or manual assignment, polling, clean close.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tripstream/kafka/kafka_handle.hpp"

namespace tripstream::kafka {

struct PartitionOffset {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
};

class KafkaConsumer {
  public:
    // Offsets are never auto-committed: tripstream stores them where the data goes.
    KafkaConsumer(const std::string& bootstrap_servers, const std::string& group_id,
                  const Properties& overrides = {});
    ~KafkaConsumer();
    KafkaConsumer(const KafkaConsumer&) = delete;
    KafkaConsumer& operator=(const KafkaConsumer&) = delete;

    void subscribe(const std::vector<std::string>& topics);
    void assign(const std::vector<PartitionOffset>& partitions);

    // The next message or event (check ->err), or nullptr after `timeout` without one.
    MessagePtr poll(std::chrono::milliseconds timeout);

    // Leaves the group; called by the destructor if not called before.
    void close();

    rd_kafka_t* handle() { return handle_.get(); }

  private:
    HandlePtr handle_;
    bool closed_ = false;
};

}  // namespace tripstream::kafka
