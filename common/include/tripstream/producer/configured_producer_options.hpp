// The one place a producer job's options are built from the configuration, for both
// producers of tripstream: tripstream-producer and the API's uploads (POST /v1/ingestions).
#pragma once

#include "tripstream/config.hpp"
#include "tripstream/message/trip_message.hpp"
#include "tripstream/producer/trip_producer.hpp"

namespace tripstream {

enum class ProducerRun {
    command_line,  // tripstream-producer: producer.num_messages and producer.rate_limit apply
    upload,        // an HTTP upload: sent once, as fast as it arrives (it cannot be re-read)
};

// The configured topics (kafka.topic, kafka.dead_letter_topic, kafka.jobs_topic),
// `partitions` of the trips topic (kafka::ensure_trip_topics) and `job_id`; for a
// command-line run also the configured message count and rate limit.
ProducerOptions configured_producer_options(const Config& config, int partitions,
                                            const JobId& job_id, ProducerRun run);

}  // namespace tripstream
