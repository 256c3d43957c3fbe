#include "tripstream/kafka/delivery_tally.hpp"

namespace tripstream::kafka {

DeliveryTally::DeliveryTally() {
    for (int kind = 0; kind < kMessageKinds; ++kind)
        slots_[kind] = Slot{this, kind};
}

DeliveryStats DeliveryTally::stats(int kind) const {
    DeliveryStats s;
    s.produced = produced_[kind].load(std::memory_order_relaxed);
    s.delivered = delivered_[kind].load(std::memory_order_relaxed);
    s.failed = failed_[kind].load(std::memory_order_relaxed);
    std::lock_guard lock(error_mutex_);
    s.first_error = first_error_;
    return s;
}

uint64_t DeliveryTally::pending() const {
    uint64_t open = 0;
    for (int kind = 0; kind < kMessageKinds; ++kind) {
        // Reports are read before the hand-overs: a message's hand-over is counted before
        // librdkafka sees it, so whoever sees its report sees the hand-over too, and the
        // difference never wraps around.
        const uint64_t reported = delivered_[kind].load(std::memory_order_acquire) +
                                  failed_[kind].load(std::memory_order_acquire);
        open += produced_[kind].load(std::memory_order_acquire) - reported;
    }
    return open;
}

void DeliveryTally::record_failed(int kind, const std::string& error) noexcept {
    failed_[kind].fetch_add(1, std::memory_order_release);
    // Called from librdkafka's callback: nothing may throw out of here.
    try {
        std::lock_guard lock(error_mutex_);
        if (first_error_.empty()) first_error_ = error;
    } catch (...) {
    }
}

}  // namespace tripstream::kafka
