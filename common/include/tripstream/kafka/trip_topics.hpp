// The three topics a job is produced to (trips, dead letters, job records), created if
// missing with the settings every producer of tripstream uses (the CLI and API uploads).
#pragma once

#include "tripstream/config.hpp"

namespace tripstream::kafka {

// Creates the missing topics and returns the trips topic's partition count (at least 1).
// Throws KafkaError naming the topic.
int ensure_trip_topics(const KafkaConfig& config);

}  // namespace tripstream::kafka
