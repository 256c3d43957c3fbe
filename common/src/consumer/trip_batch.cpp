#include "tripstream/consumer/trip_batch.hpp"

#include <stdexcept>

namespace tripstream {

void TripBatch::note_offset(const std::string& topic, int32_t partition, int64_t offset,
                            int64_t continues_from) {
    if (messages_ == 0) started_ = std::chrono::steady_clock::now();
    ++messages_;
    OffsetRange& range = offsets_[{topic, partition}];
    if (range.first < 0) {
        if (continues_from != kNoOffset && offset < continues_from) {
            throw std::logic_error("offset " + std::to_string(offset) + " of " + topic + "[" +
                                   std::to_string(partition) + "] is before the committed " +
                                   std::to_string(continues_from));
        }
        range.continues_from = continues_from;
        range.first = offset;
    } else if (offset < range.next) {
        // Kafka delivers a partition in offset order; anything else would corrupt the range.
        throw std::logic_error("offset " + std::to_string(offset) + " of " + topic + "[" +
                               std::to_string(partition) + "] is behind " +
                               std::to_string(range.next));
    }
    range.next = offset + 1;
}

void TripBatch::clear() {
    trips_.clear();
    rejections_.clear();
    jobs_.clear();
    offsets_.clear();
    messages_ = 0;
}

}  // namespace tripstream
