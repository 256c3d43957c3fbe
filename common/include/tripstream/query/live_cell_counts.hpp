// The in-memory cell aggregate (cell_counts.hpp) kept up to date with the database, for
// GET /v1/trips/cells and GET /v1/regions.
//
// A background thread connects, LISTENs on tripstream_status and tripstream_index first, then
// loads every row of trip_cell_counts (cell_counts_loader.hpp) and publishes the aggregate.
// Each consumer batch's commit notification names its batch_id; the thread re-reads, in one
// statement, the slices (region x ISO week) that the notified batches have trips in, and
// publishes a new aggregate with those slices replaced. A slice re-read after a commit holds
// that commit, and re-reading a slice twice changes nothing, so no record of which batches
// are held is needed: unlike the weekly-average index, which adds each batch's trips once.
//
// It follows the consumers' batches independently of LiveTripIndex (own connection, same
// notifications): the aggregate is tiny, so a reconnection simply loads it again (tens of
// milliseconds at 10 M trips) while the last one keeps answering, marked stale (the same
// state the index reports: stale_since, header Tripstream-Index-State). NOTIFY
// tripstream_index, 'reload' reloads it too. Queries read an immutable value and never wait.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/log.hpp"
#include "tripstream/process/stoppable_thread.hpp"
#include "tripstream/query/cell_counts.hpp"

namespace tripstream::query {

struct LiveCellCountsStats {
    bool ready = false;                   // answering (an aggregate is loaded)
    bool following = false;               // connected and holding every committed batch
    double stale_since_unix_seconds = 0;  // when it stopped following; 0: following
    int64_t trips = 0;                    // trips counted (by origin)
    int64_t entries = 0;                  // region x week x cell entries, both ends
    int64_t slices = 0;                   // region x week slices
    int64_t memory_bytes = 0;             // of the current aggregate
    int64_t batches_applied = 0;          // notified batches whose slices were re-read
    int64_t reloads = 0;                  // full loads since start, the first included
    double last_update_unix_seconds = 0;  // when the current aggregate was published
    double load_seconds = 0;              // duration of the last full load
};

// The current aggregate and whether it follows the database.
struct CellCountsView {
    std::shared_ptr<const CellCounts> counts;
    double stale_since_unix_seconds = 0;  // 0 while following
};

class LiveCellCounts {
  public:
    static constexpr const char* kApplicationName = "tripstream-cell-counts";

    LiveCellCounts(std::string database_url, Logger log);
    ~LiveCellCounts();  // stop()
    LiveCellCounts(const LiveCellCounts&) = delete;
    LiveCellCounts& operator=(const LiveCellCounts&) = delete;

    void start();  // starts the background thread (once)
    void stop();   // stops and joins it; then not ready

    // nullopt while nothing is loaded.
    std::optional<CellCountsView> view() const;
    LiveCellCountsStats stats() const;

  private:
    void run();
    void follow(db::PgConnection& conn);
    void load(db::PgConnection& conn);
    void publish(std::shared_ptr<const CellCounts> counts);
    bool wait(std::chrono::milliseconds delay);

    const std::string database_url_;
    const Logger log_;

    mutable std::mutex mutex_;                  // guards counts_, stats_
    std::shared_ptr<const CellCounts> counts_;  // nullptr: not ready
    LiveCellCountsStats stats_;

    process::StoppableThread thread_;
};

}  // namespace tripstream::query
