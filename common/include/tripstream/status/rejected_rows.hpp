// The rows of one ingestion job that could not be stored (tripstream.rejected_rows: refused by
// the producer and read back from the dead-letter topic, or refused by a consumer), page by
// page in rejected_id order (keyset pagination on the (job_id, rejected_id) index, so a page
// costs the same at any depth). GET /v1/ingestions/{id}/rejected; fields in docs/status.md.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tripstream/db/pg_connection.hpp"

namespace tripstream::status {

inline constexpr int kDefaultRejectedPage = 100;
inline constexpr int kMaxRejectedPage = 1000;

struct RejectedRow {
    int64_t rejected_id = 0;
    std::string stage;  // producer | consumer
    std::optional<std::string> source;
    std::optional<int64_t> line;  // 1-based line of the source file, when known
    std::string reason;
    std::optional<std::string> raw;     // the bytes kept (at most 4,096), any bytes at all
    std::optional<int64_t> raw_length;  // length of the whole row or message, when known
    std::string kafka_topic;
    int32_t kafka_partition = 0;
    int64_t kafka_offset = 0;
    int64_t rejected_at_us = 0;  // database clock

    bool operator==(const RejectedRow&) const = default;
};

struct RejectedPage {
    std::vector<RejectedRow> rows;
    // The `after` of the next page (the last rejected_id of this one); nullopt on the last.
    std::optional<int64_t> next_after;
};

// Rows of job `job_id` with rejected_id > `after` (all when nullopt), at most `limit`
// (1..kMaxRejectedPage), rejected_id ascending. Throws JobNotFound (status_reader.hpp) when no
// job has this id (neither an ingestion_jobs row nor rejected rows) or it is not a UUID;
// db::PgError when the database fails.
RejectedPage read_rejected_rows(db::PgConnection& conn, const std::string& job_id,
                                std::optional<int64_t> after, int limit);

// One row as the API sends it: raw as sanitize_text (tripstream/text/utf8.hpp: valid UTF-8
// kept, every other byte and every control character as \xNN, a backslash as \\), raw_length (the
// stored excerpt's length when the row did not record one), raw_truncated (raw_length > the bytes
// kept).
nlohmann::json to_json(const RejectedRow& row);

}  // namespace tripstream::status
