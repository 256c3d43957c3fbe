// The in-memory weekly-average engine (docs/query.md, "In-memory index"): every trip of
// tripstream.trips in per-region k-d trees, kept up to date from the consumers' commit
// notifications, answering exactly what query::weekly_average answers from the database.
//
// A background thread connects, LISTENs on tripstream_status (and tripstream_index) first,
// then loads the regions and all trips in one snapshot and remembers the batch_ids it saw.
// Every batch committed after that snapshot is notified (the notification is sent inside
// the batch transaction, with its batch_id), so the thread fetches each notified batch it
// has not seen and adds its trips. Queries read an immutable snapshot (TripIndexSnapshot)
// and never wait for updates.
//
// A lost connection (or any other database error) keeps the snapshot: it holds every batch
// committed until then and keeps answering, marked stale (stats().following false, the
// answer's stale_since). The thread reconnects with backoff, LISTENs again and catches up by
// batch_id: it reads every batch above the newest id it saw or among the ids below it that
// it never saw (SeenBatches), in one statement, and adds them; no full load. A full load
// (the index not ready meanwhile) follows a batch whose row count differs from its
// notification, a trip of an unknown region, and `NOTIFY tripstream_index, 'reload'`; a
// catch-up that cannot name every batch it may lack (more than SeenBatches::kMaxGaps unseen
// ids) loads in full while the stale snapshot keeps answering. The index is append-only:
// trips deleted from the database stay counted until a reload (restart, or the reload
// notification).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/log.hpp"
#include "tripstream/process/stoppable_thread.hpp"
#include "tripstream/query/exact_ends.hpp"
#include "tripstream/query/index_answer.hpp"
#include "tripstream/query/index_listeners.hpp"
#include "tripstream/query/trip_index_snapshot.hpp"
#include "tripstream/query/weekly_average.hpp"

namespace tripstream::query {

struct LiveTripIndexStats {
    bool ready = false;                   // answering (a snapshot is loaded)
    bool following = false;               // connected and caught up with every committed batch
    double stale_since_unix_seconds = 0;  // when the snapshot stopped following; 0: following
    int64_t trips = 0;                    // trips indexed
    int64_t regions = 0;                  // regions known (tripstream.regions)
    int64_t segments = 0;                 // k-d tree segments over all regions
    int64_t delta_trips = 0;              // recent trips not yet in a tree (scanned per query)
    int64_t batches_applied = 0;          // batches added since start (notified or caught up)
    int64_t reloads = 0;                  // full loads completed since start (the first included)
    int64_t catch_ups = 0;                // reconnections that caught up without a full load
    int64_t memory_bytes = 0;             // of the current snapshot's trees and deltas
    double last_update_unix_seconds = 0;  // when the current snapshot was published; 0: never
    uint64_t snapshot_version = 0;        // of the current snapshot: +1 with every publication
    int64_t subscribers = 0;              // callbacks registered with subscribe()
    double load_seconds = 0;              // duration of the last full load (read + build)
    int64_t file_bytes = 0;               // of the trees' coordinate files (INDEX_DIR)
    int64_t saves = 0;                    // saved copies written since start
    double last_save_unix_seconds = 0;    // when the last save completed; 0: none yet
    double saved_load_seconds = 0;        // reading the saved copy at start; 0: not used
};

struct LiveTripIndexOptions {
    // Where the trees keep their exact coordinates; with a directory, the index is also
    // saved there (trip_index_file.hpp) and loaded from it at start.
    IndexStorage storage;
    std::chrono::seconds save_interval{300};  // at most one save per interval, when changed
};

class LiveTripIndex {
  public:
    // Connects as application_name "tripstream-live-index".
    static constexpr const char* kApplicationName = "tripstream-live-index";

    LiveTripIndex(std::string database_url, Logger log, LiveTripIndexOptions options = {});
    // The saved copy's file name in IndexStorage::directory.
    static constexpr const char* kSavedFileName = "index.tripstream";
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
    // The same, with whether that snapshot was following the database.
    std::optional<IndexAnswer> answer(const WeeklyAverageRequest& request) const;

    LiveTripIndexStats stats() const;

    // Calls `on_change` (on the index's thread, outside its locks; it must be quick) after
    // every published snapshot and every change of ready, following or stale_since, until the
    // subscription is reset or destroyed.
    IndexListeners::Subscription subscribe(std::function<void()> on_change);

  private:
    class Follower;
    void run();
    bool retry_after_lost_connection(const db::PgError& error, std::chrono::milliseconds& backoff);
    bool retry_after_inconsistency(const std::exception& error, std::chrono::milliseconds& backoff);
    bool sleep_then_back_off(std::chrono::milliseconds& backoff);
    void publish(std::shared_ptr<const TripIndexSnapshot> snapshot);
    void set_following();
    void set_stale();
    void set_not_ready();

    const std::string database_url_;
    const Logger log_;
    const LiveTripIndexOptions options_;

    mutable std::mutex mutex_;                           // guards snapshot_, stats_
    std::shared_ptr<const TripIndexSnapshot> snapshot_;  // nullptr: not ready
    // An answer's stale_since is read with the snapshot, under the same lock: never the state
    // of another snapshot.
    LiveTripIndexStats stats_;
    IndexListeners listeners_;

    process::StoppableThread thread_;
};

}  // namespace tripstream::query
