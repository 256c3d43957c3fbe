#include "tripstream/status/status_json.hpp"

#include <cmath>

#include "tripstream/time/iso_timestamp.hpp"

namespace tripstream::status {
namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json instant(const std::optional<int64_t>& time_us) {
    return time_us ? nlohmann::json(format_iso_timestamp(*time_us)) : nlohmann::json(nullptr);
}

// One decimal is all a rate or an ETA means, and it keeps 0.30000000000000004 out.
double tenths(double value) {
    return std::round(value * 10) / 10;
}

nlohmann::json tenths_or_null(const std::optional<double>& value) {
    return value ? nlohmann::json(tenths(*value)) : nlohmann::json(nullptr);
}

nlohmann::json array_of(const auto& items) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : items)
        out.push_back(to_json(item));
    return out;
}

}  // namespace

nlohmann::json to_json(const JobStatus& job) {
    return {{"id", job.id},
            {"source", or_null(job.source)},
            {"state", to_string(job.state)},
            {"producer_state", or_null(job.producer_state)},
            {"rows_sent", or_null(job.rows_sent)},
            {"rows_inserted", job.rows_inserted},
            {"rows_rejected", job.rows_rejected},
            {"rows_rejected_consumer", job.rows_rejected_consumer},
            {"rows_rejected_producer", or_null(job.rows_rejected_producer)},
            {"started_at", instant(job.started_at_us)},
            {"finished_at", instant(job.finished_at_us)},
            {"rate", tenths_or_null(job.rate)},
            {"eta_seconds", tenths_or_null(job.eta_seconds)},
            {"error", or_null(job.error)},
            {"reason", or_null(job.reason)}};
}

nlohmann::json to_json(const PartitionLag& partition) {
    return {{"topic", partition.topic},
            {"partition", partition.partition},
            {"end_offset", or_null(partition.end_offset)},
            {"stored_offset", or_null(partition.stored_offset)},
            {"lag", or_null(partition.lag)}};
}

nlohmann::json to_json(const ConsumerStatus& consumer) {
    return {{"id", consumer.id},
            {"group", consumer.group},
            {"partitions", consumer.partitions},
            {"started_at", format_iso_timestamp(consumer.started_at_us)},
            {"last_heartbeat", format_iso_timestamp(consumer.last_heartbeat_us)},
            {"rows_inserted", consumer.rows_inserted},
            {"rows_rejected", consumer.rows_rejected},
            {"batches", consumer.batches},
            {"rows_per_second", tenths(consumer.rows_per_second)},
            {"state", consumer.state},
            {"live", consumer.live},
            {"error", or_null(consumer.error)}};
}

nlohmann::json to_json(const IngestionStatus& status) {
    return {{"state", to_string(status.state)},
            {"reason", or_null(status.reason)},
            {"generated_at", format_iso_timestamp(status.generated_at_us)},
            {"total_lag", or_null(status.total_lag)},
            {"jobs", array_of(status.jobs)},
            {"partitions", array_of(status.partitions)},
            {"consumers", array_of(status.consumers)}};
}

}  // namespace tripstream::status
