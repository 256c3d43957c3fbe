// Whether ingestion can progress: each consumer's reported state (a consumer whose heartbeat
// expired is dead, whatever it last wrote), and the overall state with its reason (stalled
// when messages wait in Kafka and no consumer is live). Plain functions over the values the
// status reader read, so the rules are tested without a database; docs/status.md states them
// in words.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tripstream/status/ingestion_status.hpp"

namespace tripstream::status {

// Consumers heartbeat every 5 s (kHeartbeatEvery in common/src/consumer/trip_consumer.cpp)
// but skip a beat while a batch commits or the database is away: three missed beats mean the
// process is gone (killed without a word, e.g. SIGKILL or OOM). The status hub re-reads the
// status at each consumer's expiry, so a death is reported within this plus a fraction of a
// second of its last heartbeat.
inline constexpr std::chrono::seconds kHeartbeatExpiry{15};

// The state to report for a consumer that last wrote `recorded` with its last heartbeat
// `heartbeat_age` ago (both on the database clock): "dead" when it says running but the
// heartbeat is at least `expiry` old; otherwise what it wrote (running, stopped, failed).
std::string reported_consumer_state(const std::string& recorded,
                                    std::chrono::microseconds heartbeat_age,
                                    std::chrono::seconds expiry = kHeartbeatExpiry);

// What the overall rule needs besides the status itself.
struct OverallFacts {
    bool producing = false;  // some job's producer is producing (listed or not)
    std::string consumer_group;
    std::chrono::seconds heartbeat_expiry = kHeartbeatExpiry;
};

// The rows of a queued or running job not stored yet: rows_sent − inserted − consumer-rejected
// (never negative), or nullopt while rows_sent is unknown (the producer still produces).
std::optional<int64_t> rows_to_store(const JobStatus& job);

// Sets status.state and status.reason from status.total_lag, status.jobs and
// status.consumers (their states already reported), and turns every affected job stalled
// (state, reason, no ETA):
//  * stalled: no listed consumer is live and messages wait in Kafka (total_lag > 0; when the
//    lag is unknown, a queued or running job with rows known to be left counts instead).
//    Affected jobs: queued or running ones with rows left or not known to have none.
//  * ingesting: a producer is producing or total_lag > 0; idle otherwise.
//  * reason: set when stalled (no live consumer, and what became of the consumers: failed
//    ones with their errors, dead and stopped ones), and otherwise whenever a listed consumer
//    failed or is dead (with how many live ones carry on); nullopt when all is well.
void apply_overall_state(IngestionStatus& status, const OverallFacts& facts);

}  // namespace tripstream::status
