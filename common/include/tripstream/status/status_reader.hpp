// Reads the ingestion status from the database in one consistent snapshot. Kafka stays
// outside: the caller passes the end offsets it asked Kafka for (KafkaAdmin::end_offsets), so
// this needs only a database and answers from small tables (ingestion_jobs,
// job_partition_progress, kafka_offsets, consumers), never from trips or rejected_rows, whatever
// their size.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/status/ingestion_status.hpp"
#include "tripstream/status/partition_lag.hpp"
#include "tripstream/status/stall_rules.hpp"

namespace tripstream::status {

// A consumer whose heartbeat is this old is reported dead (kHeartbeatExpiry: three missed
// beats).
inline constexpr std::chrono::seconds kDefaultConsumerLiveWindow = kHeartbeatExpiry;
// Consumer rows are never deleted (one per process); the status lists the recent ones.
inline constexpr std::chrono::seconds kDefaultConsumerHistory{3600};
inline constexpr int kMaxConsumersListed = 100;

struct StatusScope {
    std::string consumer_group;
    // The topics whose lag to report, usually trips, dead-letter and jobs topics.
    std::vector<TopicEndOffsets> topics;
    // Only this job (GET /v1/ingestions/{id}); JobNotFound when there is no such job.
    std::optional<std::string> job_id;
    int job_limit = 50;  // jobs listed, most recently seen first
    std::chrono::seconds consumer_live_window = kDefaultConsumerLiveWindow;
    std::chrono::seconds consumer_history = kDefaultConsumerHistory;
};

// The job asked for does not exist (or its id is not a UUID, so none can have it).
class JobNotFound : public std::runtime_error {
  public:
    explicit JobNotFound(std::string job_id);
    const std::string& job_id() const { return job_id_; }

  private:
    std::string job_id_;
};

// One REPEATABLE READ READ ONLY transaction on `conn`, which must not be inside a
// transaction (std::logic_error otherwise). Throws JobNotFound, or db::PgError (with
// context; retryable() as for any query) when the database fails.
IngestionStatus read_ingestion_status(db::PgConnection& conn, const StatusScope& scope);

}  // namespace tripstream::status
