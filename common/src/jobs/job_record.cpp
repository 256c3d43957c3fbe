#include "tripstream/jobs/job_record.hpp"

#include <chrono>
#include <stdexcept>

namespace tripstream {
namespace {

template <typename T>
T field(const nlohmann::json& j, const char* name) {
    if (!j.contains(name)) throw std::invalid_argument(std::string("missing field '") + name + "'");
    try {
        return j.at(name).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw std::invalid_argument(std::string("field '") + name + "' has the wrong type");
    }
}

}  // namespace

const char* to_string(ProducerState state) {
    switch (state) {
        case ProducerState::producing:
            return "producing";
        case ProducerState::produced:
            return "produced";
        case ProducerState::failed:
            return "failed";
        case ProducerState::interrupted:
            return "interrupted";
    }
    return "unknown";
}

bool parse_producer_state(const std::string& text, ProducerState& state) {
    for (auto s : {ProducerState::producing, ProducerState::produced, ProducerState::failed,
                   ProducerState::interrupted}) {
        if (text == to_string(s)) {
            state = s;
            return true;
        }
    }
    return false;
}

nlohmann::json to_json(const JobRecord& job) {
    return {{"version", kJobRecordVersion},
            {"job_id", job.job_id},
            {"source", job.source},
            {"state", to_string(job.state)},
            {"started_at_us", job.started_at_us},
            {"finished_at_us", job.finished_at_us},
            {"rows_sent", job.rows_sent},
            {"rows_rejected", job.rows_rejected},
            {"rows_failed", job.rows_failed},
            {"error", job.error}};
}

JobRecord job_record_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("job record is not a JSON object");
    if (field<int>(j, "version") != kJobRecordVersion) {
        throw std::invalid_argument("unsupported job record version");
    }
    JobRecord job;
    job.job_id = field<std::string>(j, "job_id");
    job.source = field<std::string>(j, "source");
    if (!parse_producer_state(field<std::string>(j, "state"), job.state)) {
        throw std::invalid_argument("field 'state' has an unknown value");
    }
    job.started_at_us = field<int64_t>(j, "started_at_us");
    job.finished_at_us = field<int64_t>(j, "finished_at_us");
    job.rows_sent = field<uint64_t>(j, "rows_sent");
    job.rows_rejected = field<uint64_t>(j, "rows_rejected");
    job.rows_failed = field<uint64_t>(j, "rows_failed");
    job.error = field<std::string>(j, "error");
    return job;
}

nlohmann::json to_json(const RejectedRow& row) {
    return {{"version", kJobRecordVersion}, {"job_id", row.job_id},
            {"source", row.source},         {"line", row.line},
            {"reason", row.reason},         {"raw", row.raw}};
}

RejectedRow rejected_row_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("rejected row is not a JSON object");
    return {field<std::string>(j, "job_id"), field<std::string>(j, "source"),
            field<uint64_t>(j, "line"), field<std::string>(j, "reason"),
            field<std::string>(j, "raw")};
}

int64_t now_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace tripstream
