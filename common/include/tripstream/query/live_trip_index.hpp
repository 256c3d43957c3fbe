// The in-memory weekly-average engine (docs/query.md, "In-memory index"): every trip of
// tripstream.trips in per-region k-d trees, kept up to date from the consumers' commit
// notifications, answering exactly what query::weekly_average answers from the database.
//
// A background thread connects, LISTENs on tripstream_status (and tripstream_index) first,
// then loads the regions and all trips in one snapshot and remembers the batch_ids it saw.
// Every batch committed after that snapshot is notified (the notification is sent inside
// the batch transaction, with its batch_id), so the thread fetches each notified batch it
// has not seen and adds its trips. Queries read an immutable snapshot (TripIndexSnapshot)
// and never wait for updates. A lost connection, a batch whose row count differs from its
// notification, or `NOTIFY tripstream_index, 'reload'` makes the index not ready and
// reload in full (reconnecting with backoff). The index is append-only: trips deleted from
// the database stay counted until a reload (restart, or the reload notification).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "tripstream/log.hpp"
#include "tripstream/query/trip_index_snapshot.hpp"
#include "tripstream/query/weekly_average.hpp"

namespace tripstream::query {

struct LiveTripIndexStats {
    bool ready = false;                   // answering (loaded and following)
    int64_t trips = 0;                    // trips indexed
    int64_t regions = 0;                  // regions known (tripstream.regions)
    int64_t segments = 0;                 // k-d tree segments over all regions
    int64_t delta_trips = 0;              // recent trips not yet in a tree (scanned per query)
    int64_t batches_applied = 0;          // notified batches added since start
    int64_t reloads = 0;                  // full loads completed since start (the first included)
    int64_t memory_bytes = 0;             // of the current snapshot's trees and deltas
    double last_update_unix_seconds = 0;  // when the current snapshot was published; 0: never
    double load_seconds = 0;              // duration of the last full load (read + build)
};

class LiveTripIndex {
  public:
    // Connects as application_name "tripstream-live-index".
    static constexpr const char* kApplicationName = "tripstream-live-index";

    LiveTripIndex(std::string database_url, Logger log);
    ~LiveTripIndex();  // stop()
    LiveTripIndex(const LiveTripIndex&) = delete;
    LiveTripIndex& operator=(const LiveTripIndex&) = delete;

    // Starts the background thread (once).
    void start();
    // Stops and joins the background thread; the index is then not ready.
    void stop();

    // The exact answer from the current snapshot; nullopt while not ready. Throws
    // RequestError like weekly_average (unknown region, over-long range).
    std::optional<WeeklyAverageResult> weekly_average(const WeeklyAverageRequest& request) const;

    LiveTripIndexStats stats() const;

  private:
    class Follower;
    void run();
    void publish(std::shared_ptr<const TripIndexSnapshot> snapshot);
    void set_not_ready();
    bool sleep_unless_stopped(std::chrono::milliseconds duration);

    const std::string database_url_;
    const Logger log_;

    mutable std::mutex mutex_;                           // guards snapshot_, stats_
    std::shared_ptr<const TripIndexSnapshot> snapshot_;  // nullptr: not ready
    LiveTripIndexStats stats_;

    std::atomic<bool> stop_{false};
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace tripstream::query
