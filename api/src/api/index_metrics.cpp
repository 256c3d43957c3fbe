#include "tripstream/api/index_metrics.hpp"

#include "tripstream/log.hpp"

namespace tripstream::api {
namespace {

void gauge(std::string& out, const char* name, const char* help, double value) {
    out += cat("# HELP ", name, " ", help, "\n# TYPE ", name, " gauge\n", name, " ", value, "\n");
}

}  // namespace

std::string index_metrics(const query::LiveTripIndexStats& s) {
    std::string out;
    gauge(out, "tripstream_index_ready", "1 when the in-memory index answers weekly averages.",
          s.ready ? 1 : 0);
    gauge(out, "tripstream_index_trips", "Trips in the in-memory index.",
          static_cast<double>(s.trips));
    gauge(out, "tripstream_index_segments", "k-d tree segments over all regions.",
          static_cast<double>(s.segments));
    gauge(out, "tripstream_index_batches_applied", "Committed batches added since start.",
          static_cast<double>(s.batches_applied));
    gauge(out, "tripstream_index_reloads", "Full loads since start, the first included.",
          static_cast<double>(s.reloads));
    gauge(out, "tripstream_index_memory_bytes", "Memory of the index's trees and deltas.",
          static_cast<double>(s.memory_bytes));
    gauge(out, "tripstream_index_last_update_seconds", "Unix time of the last index change.",
          s.last_update_unix_seconds);
    gauge(out, "tripstream_index_load_seconds", "Duration of the last full load.", s.load_seconds);
    return out;
}

}  // namespace tripstream::api
