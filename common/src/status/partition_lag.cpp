#include "tripstream/status/partition_lag.hpp"

#include <algorithm>
#include <map>

namespace tripstream::status {
namespace {

std::vector<PartitionLag> topic_lags(const TopicEndOffsets& topic,
                                     const std::vector<StoredOffset>& stored) {
    std::map<int32_t, PartitionLag> by_partition;
    if (topic.end_offsets) {
        for (size_t p = 0; p < topic.end_offsets->size(); ++p) {
            PartitionLag& lag = by_partition[static_cast<int32_t>(p)];
            lag.end_offset = (*topic.end_offsets)[p];
        }
    }
    for (const StoredOffset& s : stored) {
        if (s.topic != topic.topic) continue;
        PartitionLag& lag = by_partition[s.partition];
        if (s.next_offset >= 0) lag.stored_offset = s.next_offset;
    }
    std::vector<PartitionLag> out;
    for (auto& [partition, lag] : by_partition) {
        lag.topic = topic.topic;
        lag.partition = partition;
        if (lag.end_offset) {
            lag.lag = std::max<int64_t>(0, *lag.end_offset - lag.stored_offset.value_or(0));
        }
        out.push_back(std::move(lag));
    }
    return out;
}

}  // namespace

std::vector<PartitionLag> partition_lags(const std::vector<TopicEndOffsets>& topics,
                                         const std::vector<StoredOffset>& stored) {
    std::vector<PartitionLag> out;
    for (const TopicEndOffsets& topic : topics) {
        std::vector<PartitionLag> lags = topic_lags(topic, stored);
        out.insert(out.end(), lags.begin(), lags.end());
    }
    return out;
}

std::optional<int64_t> total_lag(const std::vector<TopicEndOffsets>& topics,
                                 const std::vector<PartitionLag>& lags) {
    for (const TopicEndOffsets& topic : topics) {
        if (!topic.end_offsets) return std::nullopt;
    }
    int64_t sum = 0;
    for (const PartitionLag& lag : lags)
        sum += lag.lag.value_or(0);
    return sum;
}

}  // namespace tripstream::status
