#include "tripstream/consumer/trip_batch.hpp"

#include <stdexcept>

namespace tripstream {
namespace {

std::logic_error offset_error(int64_t offset, std::string_view topic, int32_t partition,
                              const char* relation, int64_t other) {
    return std::logic_error("offset " + std::to_string(offset) + " of " + std::string(topic) + "[" +
                            std::to_string(partition) + "] is " + relation + " " +
                            std::to_string(other));
}

}  // namespace

OffsetRange* TripBatch::started_range(std::string_view topic, int32_t partition) {
    auto* entry = last_.entry;
    if (entry == nullptr || entry->first.second != partition || entry->first.first != topic) {
        const auto it = offsets_.find({std::string(topic), partition});
        if (it == offsets_.end()) return nullptr;
        entry = last_.entry = &*it;
    }
    return entry->second.first < 0 ? nullptr : &entry->second;
}

bool TripBatch::note_next_offset(std::string_view topic, int32_t partition, int64_t offset) {
    OffsetRange* range = started_range(topic, partition);
    if (range == nullptr) return false;
    ++messages_;
    // Kafka delivers a partition in offset order; anything else would corrupt the range.
    if (offset < range->next) throw offset_error(offset, topic, partition, "behind", range->next);
    range->next = offset + 1;
    return true;
}

void TripBatch::note_offset(const std::string& topic, int32_t partition, int64_t offset,
                            int64_t continues_from) {
    if (note_next_offset(topic, partition, offset)) return;
    if (messages_ == 0) started_ = std::chrono::steady_clock::now();
    ++messages_;
    auto& entry = *offsets_.try_emplace({topic, partition}).first;
    if (continues_from != kNoOffset && offset < continues_from) {
        throw offset_error(offset, topic, partition, "before the committed", continues_from);
    }
    entry.second.continues_from = continues_from;
    entry.second.first = offset;
    entry.second.next = offset + 1;
    last_.entry = &entry;
}

void TripBatch::clear() {
    trips_.clear();
    rejections_.clear();
    jobs_.clear();
    offsets_.clear();
    last_.entry = nullptr;
    messages_ = 0;
}

}  // namespace tripstream
