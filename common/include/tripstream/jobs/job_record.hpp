// Ingestion job records: what a producer tells the rest of the system about a job, published
// as JSON on the compacted jobs topic (key = job id, latest record wins). The consumer
// copies them into the database; the API reports them (docs/message-format.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

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

// Strings in decoded records are capped: job ids at 64 bytes, every other string at 4096
// (longer ones are cut, never split inside a character, and marked "...").
inline constexpr size_t kMaxRecordIdBytes = 64;
inline constexpr size_t kMaxRecordTextBytes = 4096;

// Strings are made valid UTF-8 (sanitize_text, text/utf8.hpp) if they are not, so dump()
// never throws.
nlohmann::json to_json(const JobRecord& job);
// Throws std::invalid_argument naming the bad field (missing, wrong type, negative count,
// unsupported version); its message is ASCII. The strings of the result are printable
// UTF-8: a string holding control characters (NUL from "\u0000" included) or too long is
// replaced by its sanitized excerpt.
JobRecord job_record_from_json(const nlohmann::json& j);

// The longest raw row a dead-letter record carries; longer rows are cut to this and keep
// their original length in raw_length.
inline constexpr size_t kMaxRejectedRawBytes = 4096;

// A dead-letter record: a row the producer rejected, with why and where.
struct RejectedRow {
    std::string job_id;
    std::string source;
    uint64_t line = 0;
    std::string reason;       // "code: detail"
    std::string raw;          // the row's exact bytes as read (any bytes, NUL included)
    uint64_t raw_length = 0;  // the whole row's length in bytes; 0 means raw.size()
};

// {"version":1,"job_id","source","line","reason","raw","raw_b64","raw_length"}: raw_b64 is
// the exact bytes (base64, at most kMaxRejectedRawBytes of them), raw the same bytes as text
// for people (verbatim when valid UTF-8, else sanitize_text), raw_length the whole row's
// length (at least the bytes carried). Never throws on any bytes (docs/message-format.md).
nlohmann::json to_json(const RejectedRow& row);

// Reads records with raw_b64 and old ones with only raw. The result's raw is at most
// kMaxRejectedRawBytes exact bytes and raw_length >= raw.size(); job_id, source and reason
// are printable UTF-8 as for job records. Throws only std::invalid_argument, with an ASCII
// message naming the field: not an object, a missing field or one of the wrong type,
// version other than 1, raw_b64 that is not canonical base64 or decodes to more than
// kMaxRejectedRawBytes bytes, raw_length smaller than the bytes carried.
RejectedRow rejected_row_from_json(const nlohmann::json& j);

// The records as they arrive from Kafka: parse the JSON text, then read it as above. Any
// failure, a JSON syntax error included, is a std::invalid_argument whose message is
// printable UTF-8 (nlohmann's own parse errors quote the offending bytes, which may not be).
RejectedRow parse_rejected_row(std::string_view payload);
JobRecord parse_job_record(std::string_view payload);

int64_t now_micros();

}  // namespace tripstream
