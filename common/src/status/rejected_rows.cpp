#include "tripstream/status/rejected_rows.hpp"

#include <algorithm>

#include "tripstream/message/trip_message.hpp"
#include "tripstream/status/status_reader.hpp"
#include "tripstream/text/hex_digit.hpp"
#include "tripstream/text/utf8.hpp"
#include "tripstream/time/iso_timestamp.hpp"

namespace tripstream::status {
namespace {

// raw leaves the database as hex (encode(raw, 'hex')), so no bytea escape format is involved.
constexpr const char* kPageSql =
    "SELECT rejected_id, stage, source, line, reason, encode(raw, 'hex'), raw_length,"
    " kafka_topic, kafka_partition, kafka_offset,"
    " (extract(epoch FROM rejected_at) * 1000000)::bigint"
    " FROM tripstream.rejected_rows"
    " WHERE job_id = $1::uuid AND rejected_id > $2"
    " ORDER BY rejected_id LIMIT $3";

// A job is known by its ingestion_jobs row or, failing that, by rows rejected under its id.
constexpr const char* kJobKnownSql =
    "SELECT EXISTS (SELECT 1 FROM tripstream.ingestion_jobs WHERE job_id = $1::uuid)"
    " OR EXISTS (SELECT 1 FROM tripstream.rejected_rows WHERE job_id = $1::uuid)";

std::string from_hex(const std::string& hex) {
    std::string out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(
            static_cast<char>(hex_digit_value(hex[i]) * 16 + hex_digit_value(hex[i + 1])));
    return out;
}

}  // namespace

RejectedPage read_rejected_rows(db::PgConnection& conn, const std::string& job_id,
                                std::optional<int64_t> after, int limit) {
    JobId parsed;
    if (!parse_job_id(job_id, parsed)) throw JobNotFound(job_id);
    limit = std::clamp(limit, 1, kMaxRejectedPage);
    try {
        // One more than asked says whether another page follows.
        const db::PgResult result = conn.exec(
            kPageSql, {job_id, std::to_string(after.value_or(0)), std::to_string(limit + 1)});
        const PGresult* r = result.get();
        const auto text = [&](int row, int col) -> std::optional<std::string> {
            if (PQgetisnull(r, row, col)) return std::nullopt;
            return std::string(PQgetvalue(r, row, col));
        };
        const auto int64 = [&](int row, int col) -> std::optional<int64_t> {
            const auto t = text(row, col);
            return t ? std::optional<int64_t>(std::stoll(*t)) : std::nullopt;
        };
        RejectedPage page;
        const int rows = PQntuples(r);
        for (int i = 0; i < std::min(rows, limit); ++i) {
            RejectedRow row;
            row.rejected_id = int64(i, 0).value_or(0);
            row.stage = text(i, 1).value_or("");
            row.source = text(i, 2);
            row.line = int64(i, 3);
            row.reason = text(i, 4).value_or("");
            if (const auto hex = text(i, 5)) row.raw = from_hex(*hex);
            row.raw_length = int64(i, 6);
            row.kafka_topic = text(i, 7).value_or("");
            row.kafka_partition = static_cast<int32_t>(int64(i, 8).value_or(0));
            row.kafka_offset = int64(i, 9).value_or(0);
            row.rejected_at_us = int64(i, 10).value_or(0);
            page.rows.push_back(std::move(row));
        }
        if (rows > limit) page.next_after = page.rows.back().rejected_id;
        if (page.rows.empty() && db::first_value(conn.exec(kJobKnownSql, {job_id})) != "t")
            throw JobNotFound(job_id);
        return page;
    } catch (const db::PgError& e) {
        throw db::PgError(std::string("reading rejected rows: ") + e.what(), e.sqlstate(),
                          e.connection_lost());
    }
}

nlohmann::json to_json(const RejectedRow& row) {
    const auto or_null = [](const auto& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    const int64_t kept = row.raw ? static_cast<int64_t>(row.raw->size()) : 0;
    // Rows written before raw_length existed kept their whole raw text.
    nlohmann::json length = nullptr;
    bool truncated = false;
    if (row.raw_length) {
        length = *row.raw_length;
        truncated = *row.raw_length > kept;
    } else if (row.raw) {
        length = kept;
    }
    return {{"rejected_id", row.rejected_id},
            {"stage", row.stage},
            {"source", or_null(row.source)},
            {"line", or_null(row.line)},
            {"reason", row.reason},
            {"kafka_topic", row.kafka_topic},
            {"kafka_partition", row.kafka_partition},
            {"kafka_offset", row.kafka_offset},
            {"raw", row.raw ? nlohmann::json(sanitize_text(*row.raw)) : nlohmann::json(nullptr)},
            {"raw_length", length},
            {"raw_truncated", truncated},
            {"rejected_at", format_iso_timestamp(row.rejected_at_us)}};
}

}  // namespace tripstream::status
