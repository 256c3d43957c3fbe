#include "tripstream/producer/configured_producer_options.hpp"

namespace tripstream {

ProducerOptions configured_producer_options(const Config& config, int partitions,
                                            const JobId& job_id, ProducerRun run) {
    ProducerOptions options;
    options.topic = config.kafka.topic;
    options.dead_letter_topic = config.kafka.dead_letter_topic;
    options.jobs_topic = config.kafka.jobs_topic;
    options.partitions = partitions;
    options.job_id = job_id;
    if (run == ProducerRun::command_line) {
        options.num_messages = config.producer.num_messages;
        options.rate_limit = config.producer.rate_limit;
    }
    return options;
}

}  // namespace tripstream
