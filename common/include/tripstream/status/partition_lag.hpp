// Consumer lag per Kafka partition: Kafka's end offsets (asked by the caller) against the
// group's next offsets stored in tripstream.kafka_offsets, which are the consumers' real
// position (the offsets mirrored to Kafka are only a copy, see docs/architecture.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tripstream/status/ingestion_status.hpp"

namespace tripstream::status {

// One topic's high watermarks indexed by partition (KafkaAdmin::end_offsets), or nullopt
// when Kafka could not be asked: the status is still reported, without lag.
struct TopicEndOffsets {
    std::string topic;
    std::optional<std::vector<int64_t>> end_offsets;
};

// A tripstream.kafka_offsets row of the group (next_offset -1: nothing committed yet).
struct StoredOffset {
    std::string topic;
    int32_t partition = 0;
    int64_t next_offset = -1;
};

// Every partition of `topics` (in that order, partitions ascending): those Kafka reports and
// those the group stored offsets for. Lag = end - stored, from 0 when nothing is stored
// (the consumers then read from the beginning), never negative (a stored offset past the end
// means the topic was recreated); nullopt when the end is unknown or the partition is not
// in Kafka.
std::vector<PartitionLag> partition_lags(const std::vector<TopicEndOffsets>& topics,
                                         const std::vector<StoredOffset>& stored);

// The sum of the lags; nullopt when some topic's end offsets are unknown, since a partial
// sum would look like progress. Partitions absent from Kafka add nothing.
std::optional<int64_t> total_lag(const std::vector<TopicEndOffsets>& topics,
                                 const std::vector<PartitionLag>& lags);

}  // namespace tripstream::status
