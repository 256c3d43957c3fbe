// The ingestion status the API reports (GET /v1/ingestion/status, GET /v1/ingestions/{id} and
// their Server-Sent Event streams): jobs, Kafka lag per partition and consumers, all from one
// database snapshot. Every state and field is defined in docs/status.md.
// Instants are microseconds since 1970-01-01T00:00:00Z on the database server's clock (the
// clock that wrote them), so ages and rates never mix two machines' clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tripstream::status {

// queued: nothing of the job stored yet; running: rows stored, not all of them yet;
// completed: every row the producer sent is stored or rejected (ingestion_jobs.completed_at);
// failed: the producer reported failure (such a job never completes); stalled: it has rows
// left to store but no consumer of the group is live (see stall_rules.hpp).
enum class JobState { queued, running, completed, failed, stalled };

// ingesting: a producer is running or the consumers have messages to read; stalled: messages
// wait in Kafka and no consumer is live to read them; idle otherwise.
enum class IngestionState { idle, ingesting, stalled };

const char* to_string(JobState state);
const char* to_string(IngestionState state);

struct JobStatus {
    std::string id;  // UUID, lower case
    std::optional<std::string> source;
    JobState state = JobState::queued;
    // The producer's last record: producing | produced | interrupted | failed; nullopt until
    // the job record reached the database (trips can arrive before it).
    std::optional<std::string> producer_state;
    // Rows the producer sent (acknowledged); nullopt while it is producing or unknown.
    std::optional<int64_t> rows_sent;
    int64_t rows_inserted = 0;           // trips stored
    int64_t rows_rejected = 0;           // consumer + producer rejections
    int64_t rows_rejected_consumer = 0;  // sent but refused by the consumer
    // Rejected by the producer (the dead-letter topic); nullopt while it is producing.
    std::optional<int64_t> rows_rejected_producer;
    std::optional<int64_t> started_at_us;
    std::optional<int64_t> finished_at_us;  // completed: completion; failed: producer's end
    std::optional<double> rate;             // rows per second stored (inserted + rejected)
    std::optional<double> eta_seconds;
    std::optional<std::string> error;   // the producer's error
    std::optional<std::string> reason;  // why it is stalled; nullopt in every other state

    bool operator==(const JobStatus&) const = default;
};

struct PartitionLag {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> end_offset;     // Kafka's high watermark; nullopt if not known
    std::optional<int64_t> stored_offset;  // the group's next offset; nullopt if none stored
    std::optional<int64_t> lag;            // messages not yet stored; nullopt if end unknown

    bool operator==(const PartitionLag&) const = default;
};

struct ConsumerStatus {
    std::string id;
    std::string group;
    std::vector<int32_t> partitions;  // trips-topic partitions at the last heartbeat
    int64_t started_at_us = 0;
    int64_t last_heartbeat_us = 0;
    int64_t rows_inserted = 0;
    int64_t rows_rejected = 0;
    int64_t batches = 0;
    double rows_per_second = 0;  // the consumer's average since it started
    // running | stopped | failed as the consumer last wrote it, or dead: it says running but
    // its heartbeat expired (killed without a word).
    std::string state;
    bool live = false;                 // state running (so with an unexpired heartbeat)
    std::optional<std::string> error;  // what stopped it (state failed), as it wrote it

    bool operator==(const ConsumerStatus&) const = default;
};

struct IngestionStatus {
    IngestionState state = IngestionState::idle;
    // Why ingestion is stalled, or which consumers failed or died; nullopt when all is well.
    std::optional<std::string> reason;
    std::vector<JobStatus> jobs;  // most recently seen first
    std::vector<PartitionLag> partitions;
    std::optional<int64_t> total_lag;  // nullopt when some partition's lag is unknown
    std::vector<ConsumerStatus> consumers;
    int64_t generated_at_us = 0;  // the snapshot's time

    bool operator==(const IngestionStatus&) const = default;
};

}  // namespace tripstream::status
