#include "tripstream/kafka/trip_topics.hpp"

#include "tripstream/kafka/kafka_admin.hpp"

namespace tripstream::kafka {

int ensure_trip_topics(const KafkaConfig& config) {
    KafkaAdmin admin(config.bootstrap_servers);
    admin.ensure_topic({config.topic, config.partitions, {}});
    admin.ensure_topic({config.dead_letter_topic, 3, {}});
    admin.ensure_topic({config.jobs_topic, 1, {{"cleanup.policy", "compact"}}});
    const int partitions = admin.partition_count(config.topic);
    if (partitions < 1) throw KafkaError("topic " + config.topic + " has no partitions");
    return partitions;
}

}  // namespace tripstream::kafka
