// Ingestion job records: what a producer tells the rest of the system about a job, published
// as JSON on the compacted jobs topic (key = job id, latest record wins). The consumer
// copies them into the database; the API reports them (docs/message-format.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace tripstream {

inline constexpr int kJobRecordVersion = 1;

// The producer's side of a job's life. "completed" (every accepted row stored) is decided
// downstream by comparing rows stored with rows_sent once the state is "produced".
enum class ProducerState { producing, produced, failed, interrupted };

const char* to_string(ProducerState state);
bool parse_producer_state(const std::string& text, ProducerState& state);

struct JobRecord {
    std::string job_id;
    std::string source;  // file name, "<stdin>", "generator(seed=42)" or "upload"
    ProducerState state = ProducerState::producing;
    int64_t started_at_us = 0;
    int64_t finished_at_us = 0;  // 0 while producing
    uint64_t rows_sent = 0;      // accepted rows acknowledged on the trips topic
    uint64_t rows_rejected = 0;  // rows sent to the dead-letter topic
    uint64_t rows_failed = 0;    // rows the broker did not acknowledge
    std::string error;           // why the job failed, if it did
};

nlohmann::json to_json(const JobRecord& job);
// Throws std::invalid_argument naming the bad field.
JobRecord job_record_from_json(const nlohmann::json& j);

// A dead-letter record: a row the producer rejected, with why and where.
struct RejectedRow {
    std::string job_id;
    std::string source;
    uint64_t line = 0;
    std::string reason;  // "code: detail"
    std::string raw;     // the row's text as read
};

nlohmann::json to_json(const RejectedRow& row);
RejectedRow rejected_row_from_json(const nlohmann::json& j);

int64_t now_micros();

}  // namespace tripstream
