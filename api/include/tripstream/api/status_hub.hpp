// Pushes the ingestion status to event-stream clients without anyone polling the API: one
// thread LISTENs on the consumers' commit signal (NOTIFY tripstream_status, sent by each
// committed batch), re-reads the status at most 4 times a second, and publishes a new
// snapshot only when something changed. Every client waits on the hub, so 1,000 clients
// cost one status query per change, not 1,000.
//
// Kafka end offsets (producer progress, lag) change without a database event, so while
// anything is ingesting the hub also re-reads every 2 s (every 10 s when idle).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tripstream/config.hpp"
#include "tripstream/db/connection_pool.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/log.hpp"
#include "tripstream/status/ingestion_status.hpp"
#include "tripstream/status/status_reader.hpp"

namespace tripstream::api {

struct StatusSnapshot {
    uint64_t version = 0;  // increases with every published change
    status::IngestionStatus status;
    std::string json;  // status as the API sends it
};

struct StatusHubOptions {
    std::chrono::milliseconds min_interval{250};  // at most 4 snapshots per second
    std::chrono::milliseconds busy_refresh{2000};
    std::chrono::milliseconds idle_refresh{10000};
};

class StatusHub {
  public:
    StatusHub(const Config& config, db::ConnectionPool& pool, Logger log,
              StatusHubOptions options = {});
    ~StatusHub();
    StatusHub(const StatusHub&) = delete;
    StatusHub& operator=(const StatusHub&) = delete;

    void start();
    void stop();  // ends the thread and wakes every waiting client

    // A fresh read (not the published snapshot), optionally of one job. Throws
    // status::JobNotFound, db::PgError.
    status::IngestionStatus read_now(const std::optional<std::string>& job_id);

    // The latest snapshot, or null before the first one.
    std::shared_ptr<const StatusSnapshot> latest() const;
    // Waits until a snapshot newer than `seen` exists, `timeout` passes, or the hub stops;
    // returns the latest snapshot (possibly still `seen`'s, or null).
    std::shared_ptr<const StatusSnapshot> wait_newer(uint64_t seen,
                                                     std::chrono::milliseconds timeout) const;
    bool stopped() const { return stop_.load(); }
    uint64_t notifications() const { return notifications_.load(); }

  private:
    void run();
    bool listen(std::unique_ptr<db::PgConnection>& conn);
    bool wait_for_notification(db::PgConnection& conn, std::chrono::milliseconds timeout);
    void refresh();
    status::StatusScope scope(const std::optional<std::string>& job_id);
    std::vector<status::TopicEndOffsets> read_end_offsets();  // with admin_mutex_ held

    Config config_;
    db::ConnectionPool& pool_;
    Logger log_;
    StatusHubOptions options_;
    static constexpr std::chrono::milliseconds kEndOffsetsMaxAge{500};
    std::unique_ptr<kafka::KafkaAdmin> admin_;
    std::mutex admin_mutex_;  // guards admin_ and the cached end offsets
    std::optional<std::vector<status::TopicEndOffsets>> end_offsets_;
    std::chrono::steady_clock::time_point end_offsets_at_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> notifications_{0};
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::shared_ptr<const StatusSnapshot> latest_;
    std::thread thread_;
};

}  // namespace tripstream::api
