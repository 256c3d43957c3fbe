// The delivery counts of one group of messages (one job's trips, rejections and job records)
// on a KafkaProducer that other groups may share: every message carries its tally, so the
// broker's reports are counted per group, and a job on a shared producer can wait for its own
// messages only and report exactly its own losses, whatever the other jobs do.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace tripstream::kafka {

// Messages are counted per caller-chosen kind (0..kMessageKinds-1), e.g. trips versus
// dead-letter records, so each can be reconciled on its own.
inline constexpr int kMessageKinds = 4;

struct DeliveryStats {
    uint64_t produced = 0;    // handed to librdkafka
    uint64_t delivered = 0;   // acknowledged by the broker
    uint64_t failed = 0;      // permanently failed
    std::string first_error;  // topic[partition]: reason of the first failure
};

class DeliveryTally {
  public:
    DeliveryTally();
    DeliveryTally(const DeliveryTally&) = delete;
    DeliveryTally& operator=(const DeliveryTally&) = delete;

    // Counters of one message kind; first_error is shared by all kinds.
    DeliveryStats stats(int kind) const;
    uint64_t delivered(int kind) const { return delivered_[kind].load(std::memory_order_relaxed); }
    // Messages of every kind handed over and not yet reported delivered or failed.
    uint64_t pending() const;

    // What a message carries as its opaque pointer: its tally and kind.
    struct Slot {
        DeliveryTally* tally;
        int kind;
    };
    Slot* slot(int kind) { return &slots_[kind]; }

    // For KafkaProducer: a message is handed over (or taken back when librdkafka refused it),
    // and the broker's report on it.
    void add_produced(int kind, int64_t n) {
        produced_[kind].fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    }
    // Release: whoever sees the report also sees the hand-over counted (see pending()).
    void record_delivered(int kind) { delivered_[kind].fetch_add(1, std::memory_order_release); }
    void record_failed(int kind, const std::string& error) noexcept;

  private:
    std::atomic<uint64_t> produced_[kMessageKinds] = {};
    std::atomic<uint64_t> delivered_[kMessageKinds] = {};
    std::atomic<uint64_t> failed_[kMessageKinds] = {};
    mutable std::mutex error_mutex_;
    std::string first_error_;
    Slot slots_[kMessageKinds];
};

}  // namespace tripstream::kafka
