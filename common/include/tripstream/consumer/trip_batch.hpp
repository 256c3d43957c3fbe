// The consumer's batch: what was read from Kafka since the last commit, per kind (trips,
// rejected rows, job records), plus the exact offset range read from every partition. A
// batch is written in one database transaction together with those offsets.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tripstream/jobs/job_record.hpp"
#include "tripstream/message/trip_message.hpp"

namespace tripstream {

// Offsets use kNoOffset for "nothing committed yet" (a partition never written by the group).
inline constexpr int64_t kNoOffset = -1;

struct OffsetRange {
    // The committed position this batch continues from: the stored next offset when the
    // consumer was assigned the partition or last committed it, kNoOffset if none. The batch
    // may start later than this (compaction or retention removed the messages in between),
    // but never earlier.
    int64_t continues_from = kNoOffset;
    int64_t first = -1;  // first offset read in this batch
    int64_t next = -1;   // one past the last offset read
};

struct BatchTrip {
    TripMessage message;
    int32_t partition = 0;
    int64_t offset = 0;
    int16_t cluster_id = -1;  // -1: unassigned
};

struct BatchJob {
    JobRecord record;  // job_id already checked to be a UUID
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
};

struct BatchRejection {
    bool has_job = false;
    JobId job_id{};
    std::string stage;  // "producer" (dead-letter topic) or "consumer"
    std::string source;
    uint64_t line = 0;
    std::string reason;       // any bytes: stored sanitized (valid UTF-8, no control bytes)
    std::string raw;          // any bytes, at most kMaxRawExcerptBytes; stored as bytea
    uint64_t raw_length = 0;  // length of the whole original row or message
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
};

using TopicPartition = std::pair<std::string, int32_t>;

class TripBatch {
  public:
    // Every message read must be noted, whatever its kind, so its offset is committed.
    // `continues_from` is the partition's committed position (see OffsetRange).
    void note_offset(const std::string& topic, int32_t partition, int64_t offset,
                     int64_t continues_from);
    // note_offset() for a partition this batch already holds a message of: the common case
    // (messages arrive in runs per partition), noted with no key string and no map look-up.
    // False, noting nothing, when the batch holds no message of the partition yet: the caller
    // then needs its committed position for note_offset().
    bool note_next_offset(std::string_view topic, int32_t partition, int64_t offset);

    BatchTrip& add_trip() { return trips_.emplace_back(); }
    // Takes back the last add_trip() (the message turned out not to be a valid trip).
    void drop_last_trip() { trips_.pop_back(); }
    void add_rejection(BatchRejection rejection) { rejections_.push_back(std::move(rejection)); }
    void add_job(BatchJob job) { jobs_.push_back(std::move(job)); }

    const std::vector<BatchTrip>& trips() const { return trips_; }
    std::vector<BatchTrip>& trips() { return trips_; }
    const std::vector<BatchRejection>& rejections() const { return rejections_; }
    const std::vector<BatchJob>& jobs() const { return jobs_; }
    const std::map<TopicPartition, OffsetRange>& offsets() const { return offsets_; }

    size_t messages() const { return messages_; }
    bool empty() const { return messages_ == 0; }
    // Time from the first message of this batch to `now` (zero when empty).
    std::chrono::steady_clock::duration age(std::chrono::steady_clock::time_point now) const {
        return messages_ == 0 ? std::chrono::steady_clock::duration::zero() : now - started_;
    }
    std::chrono::steady_clock::duration age() const {
        return age(std::chrono::steady_clock::now());
    }
    void clear();

  private:
    // The partition of the last message noted. Not carried over when a batch is copied or
    // moved (std::swap of two batches): it would point into the other batch's map.
    struct LastRange {
        LastRange() = default;
        LastRange(const LastRange&) {}
        LastRange& operator=(const LastRange&) {
            entry = nullptr;
            return *this;
        }
        std::pair<const TopicPartition, OffsetRange>* entry = nullptr;
    };

    // The range of a partition this batch holds a message of, or null.
    OffsetRange* started_range(std::string_view topic, int32_t partition);

    std::vector<BatchTrip> trips_;
    std::vector<BatchRejection> rejections_;
    std::vector<BatchJob> jobs_;
    std::map<TopicPartition, OffsetRange> offsets_;
    LastRange last_;
    size_t messages_ = 0;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace tripstream
