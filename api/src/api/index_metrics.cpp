#include "tripstream/api/index_metrics.hpp"

#include <array>
#include <charconv>

#include "tripstream/log.hpp"

namespace tripstream::api {
namespace {

// Fixed notation, shortest round-trip digits: a Unix time keeps its seconds and a trip count
// its last digit (an ostream's default 6 digits would print 1.767e+09 and 1e+07).
std::string number(double value) {
    std::array<char, 512> buffer{};  // any double in fixed notation fits
    const auto end =
        std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed)
            .ptr;
    return std::string(buffer.data(), end);
}

void gauge(std::string& out, const char* name, const char* help, double value) {
    out += cat("# HELP ", name, " ", help, "\n# TYPE ", name, " gauge\n", name, " ", number(value),
               "\n");
}

}  // namespace

std::string index_metrics(const query::LiveTripIndexStats& s) {
    std::string out;
    gauge(out, "tripstream_index_ready", "1 when the in-memory index answers weekly averages.",
          s.ready ? 1 : 0);
    gauge(out, "tripstream_index_following",
          "1 when the index is connected and holds every committed batch; 0 while it answers "
          "from a stale snapshot (the database lost) or is not ready.",
          s.following ? 1 : 0);
    gauge(out, "tripstream_index_stale_since_seconds",
          "Unix time at which the index's snapshot stopped following the database; 0 while it "
          "follows.",
          s.stale_since_unix_seconds);
    gauge(out, "tripstream_index_trips", "Trips in the in-memory index.",
          static_cast<double>(s.trips));
    gauge(out, "tripstream_index_segments", "k-d tree segments over all regions.",
          static_cast<double>(s.segments));
    gauge(out, "tripstream_index_batches_applied", "Committed batches added since start.",
          static_cast<double>(s.batches_applied));
    gauge(out, "tripstream_index_catch_ups",
          "Reconnections that caught up by batch id, without a full load.",
          static_cast<double>(s.catch_ups));
    gauge(out, "tripstream_index_reloads", "Full loads since start, the first included.",
          static_cast<double>(s.reloads));
    gauge(out, "tripstream_index_memory_bytes", "Memory of the index's trees and deltas.",
          static_cast<double>(s.memory_bytes));
    gauge(out, "tripstream_index_snapshot_version",
          "Number of the current snapshot (the Tripstream-Index-Version of its answers).",
          static_cast<double>(s.snapshot_version));
    gauge(out, "tripstream_weekly_average_subscribers",
          "Open weekly-average event streams (GET /v1/trips/weekly-average/events).",
          static_cast<double>(s.subscribers));
    gauge(out, "tripstream_index_last_update_seconds", "Unix time of the last index change.",
          s.last_update_unix_seconds);
    gauge(out, "tripstream_index_load_seconds", "Duration of the last full load.", s.load_seconds);
    gauge(out, "tripstream_index_file_bytes",
          "Bytes of the trees' exact-coordinate files under INDEX_DIR (not in memory).",
          static_cast<double>(s.file_bytes));
    gauge(out, "tripstream_index_saves", "Saved copies of the index written since start.",
          static_cast<double>(s.saves));
    gauge(out, "tripstream_index_last_save_seconds",
          "Unix time at which the last saved copy was completed; 0: none yet.",
          s.last_save_unix_seconds);
    gauge(out, "tripstream_index_saved_load_seconds",
          "Seconds spent reading the saved copy at start; 0: not used.", s.saved_load_seconds);
    return out;
}

std::string cell_counts_metrics(const query::LiveCellCountsStats& s) {
    std::string out;
    gauge(out, "tripstream_cell_counts_ready",
          "1 when the in-memory cell aggregate answers /v1/trips/cells and /v1/regions.",
          s.ready ? 1 : 0);
    gauge(out, "tripstream_cell_counts_following",
          "1 when the cell aggregate is connected and holds every committed batch.",
          s.following ? 1 : 0);
    gauge(out, "tripstream_cell_counts_entries",
          "Region x week x cell entries of the cell aggregate, both trip ends.",
          static_cast<double>(s.entries));
    gauge(out, "tripstream_cell_counts_memory_bytes", "Memory of the cell aggregate.",
          static_cast<double>(s.memory_bytes));
    gauge(out, "tripstream_cell_counts_batches_applied",
          "Committed batches whose cells the aggregate re-read since start.",
          static_cast<double>(s.batches_applied));
    gauge(out, "tripstream_cell_counts_load_seconds",
          "Duration of the cell aggregate's last full load.", s.load_seconds);
    return out;
}

}  // namespace tripstream::api
