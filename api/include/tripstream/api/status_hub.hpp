// Pushes the ingestion status to event-stream clients without anyone polling the API: one
// thread LISTENs on the consumers' commit signal (NOTIFY tripstream_status, sent by each
// committed batch), re-reads the status at most 4 times a second, and publishes a new
// snapshot only when something changed: serialised once, as JSON and as the SSE frame that
// every subscriber is sent, and announced to every subscriber's callback from a thread of
// lower priority. 10,000 clients
// cost one status query and one serialisation per change, not 10,000.
//
// Kafka end offsets (producer progress, lag) change without a database event, and so does a
// consumer dying (a dead process sends nothing): the hub also re-reads every 2 s while
// anything is ingesting or stalled, every half heartbeat expiry (7.5 s) when idle, and at the
// moment the oldest live consumer's heartbeat expires, so a death (and the stall it causes)
// is published within a fraction of a second of the expiry without anyone asking.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tripstream/config.hpp"
#include "tripstream/db/connection_pool.hpp"
#include "tripstream/http/event_feed.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/log.hpp"
#include "tripstream/status/ingestion_status.hpp"
#include "tripstream/status/stall_rules.hpp"
#include "tripstream/status/status_reader.hpp"

namespace tripstream::api {

struct StatusSnapshot {
    uint64_t version = 0;  // increases with every published change
    status::IngestionStatus status;
    std::string json;      // status as the API sends it
    http::SseFrame frame;  // "event: status" with `json`, the bytes every subscriber gets
};

struct StatusHubOptions {
    std::chrono::milliseconds min_interval{250};  // at most 4 snapshots per second
    std::chrono::milliseconds busy_refresh{2000};
    std::chrono::milliseconds idle_refresh{
        std::chrono::duration_cast<std::chrono::milliseconds>(status::kHeartbeatExpiry) / 2};
    // Re-read this long after a live consumer's heartbeat is due to expire (database clock
    // against ours: the margin absorbs the read's own delay).
    std::chrono::milliseconds expiry_margin{250};
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
    // Calls `notify` (from the hub's thread; it must be quick and must not call back into
    // the hub) after every published snapshot and when the hub stops. Returns the id that
    // unsubscribe() takes; after unsubscribe() returns, `notify` is no longer called.
    uint64_t subscribe(std::function<void()> notify);
    void unsubscribe(uint64_t id);
    size_t subscribers() const;
    bool stopped() const { return stop_.load(); }
    uint64_t notifications() const { return notifications_.load(); }

  private:
    void run();
    bool listen(std::unique_ptr<db::PgConnection>& conn);
    bool wait_for_notification(db::PgConnection& conn, std::chrono::milliseconds timeout);
    void refresh();
    void notify_subscribers();  // asks the notifier thread to call every subscriber
    void run_notifier();
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
    std::shared_ptr<const StatusSnapshot> latest_;
    mutable std::mutex subscribers_mutex_;
    uint64_t next_subscriber_ = 0;
    std::map<uint64_t, std::function<void()>> subscribers_;
    // The fan-out runs on a thread of its own at a lower priority (nice 10): calling 10,000
    // subscribers yields the CPU to requests.
    std::mutex notify_mutex_;
    std::condition_variable notify_wanted_;
    uint64_t notify_requests_ = 0;
    bool notifier_stop_ = false;
    std::thread notifier_;
    // When the next live consumer's heartbeat expires (max() when none is live); run() only.
    std::chrono::steady_clock::time_point next_expiry_ =
        std::chrono::steady_clock::time_point::max();
    std::thread thread_;
};

}  // namespace tripstream::api
