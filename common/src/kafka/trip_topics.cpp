#include "tripstream/kafka/trip_topics.hpp"

#include <chrono>
#include <thread>

#include "tripstream/kafka/kafka_admin.hpp"

namespace tripstream::kafka {

int ensure_trip_topics(const KafkaConfig& config) {
    KafkaAdmin admin(config);
    admin.ensure_topic({config.topic, config.partitions, {}});
    admin.ensure_topic({config.dead_letter_topic, 3, {}});
    admin.ensure_topic({config.jobs_topic, 1, {{"cleanup.policy", "compact"}}});
    // A topic created a moment ago may not be in the broker's metadata yet: ask again for a
    // while before calling it broken.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
        const int partitions = admin.partition_count(config.topic);
        if (partitions > 0) return partitions;
        if (std::chrono::steady_clock::now() >= deadline) {
            throw KafkaError("topic " + config.topic +
                             " has no partitions (15 s after creating it)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

}  // namespace tripstream::kafka
