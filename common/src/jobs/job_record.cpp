#include "tripstream/jobs/job_record.hpp"

#include <chrono>
#include <limits>
#include <stdexcept>

#include "tripstream/text/base64.hpp"
#include "tripstream/text/utf8.hpp"

namespace tripstream {
namespace {

// The longest raw_b64 text that can decode to kMaxRejectedRawBytes bytes.
constexpr size_t kMaxRawBase64Chars = (kMaxRejectedRawBytes + 2) / 3 * 4;

[[noreturn]] void bad_field(const char* name, const char* problem) {
    throw std::invalid_argument(std::string("field '") + name + "' " + problem);
}

const nlohmann::json& member(const nlohmann::json& j, const char* name) {
    const auto it = j.find(name);
    if (it == j.end()) throw std::invalid_argument(std::string("missing field '") + name + "'");
    return *it;
}

// Text to publish: valid UTF-8 as it is (JSON escapes control characters itself), anything
// else sanitized, so that dump() cannot throw.
std::string json_text(const std::string& s) {
    return is_valid_utf8(s) ? s : sanitize_text(s);
}

// Text read from a record: printable and bounded, else its sanitized excerpt (a NUL would
// not even fit in a PostgreSQL text column).
std::string clean_text(const std::string& s, size_t max_bytes) {
    if (s.size() <= max_bytes && is_printable_text(s)) return s;
    return sanitized_excerpt(s, max_bytes);
}

const std::string& string_field(const nlohmann::json& j, const char* name) {
    const nlohmann::json& v = member(j, name);
    if (!v.is_string()) bad_field(name, "has the wrong type (expected a string)");
    return v.get_ref<const std::string&>();
}

std::string text_field(const nlohmann::json& j, const char* name, size_t max_bytes) {
    return clean_text(string_field(j, name), max_bytes);
}

// A non-negative integer: floats, booleans and negative numbers are refused, not converted.
uint64_t unsigned_field(const nlohmann::json& j, const char* name) {
    const nlohmann::json& v = member(j, name);
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer()) {
        const auto i = v.get<int64_t>();
        if (i >= 0) return static_cast<uint64_t>(i);
        bad_field(name, "is negative");
    }
    bad_field(name, "has the wrong type (expected an unsigned integer)");
}

int64_t signed_field(const nlohmann::json& j, const char* name) {
    const nlohmann::json& v = member(j, name);
    if (v.is_number_unsigned()) {
        const auto u = v.get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            bad_field(name, "is out of range");
        }
        return static_cast<int64_t>(u);
    }
    if (v.is_number_integer()) return v.get<int64_t>();
    bad_field(name, "has the wrong type (expected an integer)");
}

nlohmann::json parse_payload(std::string_view payload, const char* what) {
    try {
        return nlohmann::json::parse(payload);
    } catch (const std::exception& e) {
        throw std::invalid_argument(std::string(what) +
                                    " is not JSON: " + sanitized_excerpt(e.what(), 200));
    }
}

void check_version(const nlohmann::json& j, int version) {
    if (signed_field(j, "version") != version) bad_field("version", "is not supported");
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
    return {{"version", kJobRecordVersion},       {"job_id", json_text(job.job_id)},
            {"source", json_text(job.source)},    {"state", to_string(job.state)},
            {"started_at_us", job.started_at_us}, {"finished_at_us", job.finished_at_us},
            {"rows_sent", job.rows_sent},         {"rows_rejected", job.rows_rejected},
            {"rows_failed", job.rows_failed},     {"error", json_text(job.error)}};
}

JobRecord job_record_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("job record is not a JSON object");
    check_version(j, kJobRecordVersion);
    JobRecord job;
    job.job_id = text_field(j, "job_id", kMaxRecordIdBytes);
    job.source = text_field(j, "source", kMaxRecordTextBytes);
    if (!parse_producer_state(string_field(j, "state"), job.state)) {
        bad_field("state", "has an unknown value");
    }
    job.started_at_us = signed_field(j, "started_at_us");
    job.finished_at_us = signed_field(j, "finished_at_us");
    job.rows_sent = unsigned_field(j, "rows_sent");
    job.rows_rejected = unsigned_field(j, "rows_rejected");
    job.rows_failed = unsigned_field(j, "rows_failed");
    job.error = text_field(j, "error", kMaxRecordTextBytes);
    return job;
}

nlohmann::json to_json(const RejectedRow& row) {
    const std::string_view raw =
        std::string_view(row.raw).substr(0, std::min(row.raw.size(), kMaxRejectedRawBytes));
    const uint64_t raw_length = std::max<uint64_t>(row.raw_length, row.raw.size());
    return {{"version", kJobRecordVersion},
            {"job_id", json_text(row.job_id)},
            {"source", json_text(row.source)},
            {"line", row.line},
            {"reason", json_text(row.reason)},
            {"raw", is_valid_utf8(raw) ? std::string(raw) : sanitize_text(raw)},
            {"raw_b64", base64_encode(raw)},
            {"raw_length", raw_length}};
}

RejectedRow rejected_row_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("rejected row is not a JSON object");
    check_version(j, kJobRecordVersion);
    RejectedRow row;
    row.job_id = text_field(j, "job_id", kMaxRecordIdBytes);
    row.source = text_field(j, "source", kMaxRecordTextBytes);
    row.line = unsigned_field(j, "line");
    row.reason = text_field(j, "reason", kMaxRecordTextBytes);
    uint64_t carried = 0;  // the length of the row as the record carries it
    if (j.contains("raw_b64")) {
        const std::string& b64 = string_field(j, "raw_b64");
        if (b64.size() > kMaxRawBase64Chars) bad_field("raw_b64", "is too long");
        if (!base64_decode(b64, row.raw)) bad_field("raw_b64", "is not valid base64");
        if (row.raw.size() > kMaxRejectedRawBytes) bad_field("raw_b64", "is too long");
        carried = row.raw.size();
    } else {
        // Version 1 records written before raw_b64: raw is the row's text, uncapped.
        const std::string& raw = string_field(j, "raw");
        carried = raw.size();
        row.raw.assign(raw, 0, std::min(raw.size(), kMaxRejectedRawBytes));
    }
    if (j.contains("raw_length")) {
        row.raw_length = unsigned_field(j, "raw_length");
        if (row.raw_length < carried) bad_field("raw_length", "is smaller than the raw bytes");
    } else {
        row.raw_length = carried;
    }
    return row;
}

RejectedRow parse_rejected_row(std::string_view payload) {
    return rejected_row_from_json(parse_payload(payload, "rejected row"));
}

JobRecord parse_job_record(std::string_view payload) {
    return job_record_from_json(parse_payload(payload, "job record"));
}

int64_t now_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace tripstream
