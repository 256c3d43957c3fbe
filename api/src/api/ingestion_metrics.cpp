#include "tripstream/api/ingestion_metrics.hpp"

#include <map>

#include "tripstream/log.hpp"

namespace tripstream::api {

std::string ingestion_metrics(const StatusHub& hub) {
    std::string out;
    out += "# HELP tripstream_status_notifications_total Consumer commit signals received.\n";
    out += "# TYPE tripstream_status_notifications_total counter\n";
    out += cat("tripstream_status_notifications_total ", hub.notifications(), "\n");
    out += "# HELP tripstream_status_subscribers Open ingestion event streams.\n";
    out += "# TYPE tripstream_status_subscribers gauge\n";
    out += cat("tripstream_status_subscribers ", hub.subscribers(), "\n");
    const auto snapshot = hub.latest();
    if (!snapshot) return out;
    out += "# HELP tripstream_status_snapshots_total Status changes published to the streams.\n";
    out += "# TYPE tripstream_status_snapshots_total counter\n";
    out += cat("tripstream_status_snapshots_total ", snapshot->version, "\n");
    const status::IngestionStatus& s = snapshot->status;

    std::map<std::string, int> jobs_by_state;
    int64_t inserted = 0;
    int64_t rejected = 0;
    for (const auto& job : s.jobs) {
        ++jobs_by_state[status::to_string(job.state)];
        inserted += job.rows_inserted;
        rejected += job.rows_rejected;
    }
    out += "# HELP tripstream_ingestion_jobs Listed ingestion jobs by state.\n";
    out += "# TYPE tripstream_ingestion_jobs gauge\n";
    for (const char* state : {"queued", "running", "stalled", "completed", "failed"})
        out += cat("tripstream_ingestion_jobs{state=\"", state, "\"} ", jobs_by_state[state], "\n");
    out += "# HELP tripstream_ingestion_rows Rows of the listed jobs by outcome.\n";
    out += "# TYPE tripstream_ingestion_rows gauge\n";
    out += cat("tripstream_ingestion_rows{outcome=\"inserted\"} ", inserted, "\n");
    out += cat("tripstream_ingestion_rows{outcome=\"rejected\"} ", rejected, "\n");
    out += "# HELP tripstream_ingesting 1 while a producer runs or the consumers lag.\n";
    out += "# TYPE tripstream_ingesting gauge\n";
    out += cat("tripstream_ingesting ", s.state == status::IngestionState::ingesting ? 1 : 0, "\n");
    out += "# HELP tripstream_ingestion_stalled 1 while messages wait and no consumer is live.\n";
    out += "# TYPE tripstream_ingestion_stalled gauge\n";
    out += cat("tripstream_ingestion_stalled ", s.state == status::IngestionState::stalled ? 1 : 0,
               "\n");
    if (s.total_lag) {
        out += "# HELP tripstream_kafka_lag Messages not yet stored, all topics.\n";
        out += "# TYPE tripstream_kafka_lag gauge\n";
        out += cat("tripstream_kafka_lag ", *s.total_lag, "\n");
    }
    int live = 0;
    for (const auto& consumer : s.consumers)
        live += consumer.live ? 1 : 0;
    out += "# HELP tripstream_live_consumers Consumers with a recent heartbeat.\n";
    out += "# TYPE tripstream_live_consumers gauge\n";
    out += cat("tripstream_live_consumers ", live, "\n");
    std::map<std::string, int> consumers_by_state;
    for (const auto& consumer : s.consumers)
        ++consumers_by_state[consumer.state];
    out += "# HELP tripstream_consumers Listed consumers (last hour) by reported state.\n";
    out += "# TYPE tripstream_consumers gauge\n";
    for (const char* state : {"running", "stopped", "failed", "dead"})
        out += cat("tripstream_consumers{state=\"", state, "\"} ", consumers_by_state[state], "\n");
    return out;
}

}  // namespace tripstream::api
