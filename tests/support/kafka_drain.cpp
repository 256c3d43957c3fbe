#include "support/kafka_drain.hpp"

#include <chrono>

#include "support/test_env.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/kafka/kafka_consumer.hpp"

namespace tripstream::test {

std::vector<std::string> drain_topic(const kafka::KafkaConnection& bootstrap,
                                     const std::string& topic, size_t expected) {
    using namespace std::chrono_literals;
    kafka::KafkaAdmin admin(bootstrap);
    const int partitions = admin.partition_count(topic);
    std::vector<kafka::PartitionOffset> assignment;
    for (int p = 0; p < partitions; ++p) {
        assignment.push_back({topic, p, RD_KAFKA_OFFSET_BEGINNING});
    }
    kafka::KafkaConsumer consumer(bootstrap, unique_name("it-drain"));
    consumer.assign(assignment);
    std::vector<std::string> values;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    int quiet_polls = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = consumer.poll(200ms);
        if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (values.size() >= expected && ++quiet_polls >= 3) break;
            continue;
        }
        quiet_polls = 0;
        values.emplace_back(static_cast<const char*>(m->payload), m->len);
    }
    return values;
}

}  // namespace tripstream::test
