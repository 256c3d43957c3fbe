// Turning one CSV record into a validated Trip, or a precise reason why not.
// This is the one place where the meaning of a trips row is defined.
#pragma once

#include <string>

#include "tripstream/csv/csv_reader.hpp"
#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/trip.hpp"

namespace tripstream {

inline constexpr size_t kMaxRegionLength = 64;
inline constexpr size_t kMaxDatasourceLength = 64;

// Why a row was rejected: a stable machine-readable code plus a human detail.
struct RowError {
    std::string code;    // e.g. "bad_origin_coord"
    std::string detail;  // e.g. "latitude 123.4 out of range [-90, 90]"

    std::string reason() const { return code + ": " + detail; }
};

// The stable reason codes (documented in docs/message-format.md and docs/producer.md). Every
// detail is printable UTF-8: field text is quoted only through sanitized_excerpt, and a
// field that is not strict UTF-8 text is reported by byte offset, e.g. "region: invalid
// UTF-8 at byte 3 (overlong encoding)" or "datasource: control character U+0000 at byte 0".
namespace reject {
inline constexpr const char* kLineTooLong = "line_too_long";
inline constexpr const char* kUnterminatedQuote = "unterminated_quote";
// More or fewer fields than the header (an empty field after a trailing comma counts).
// Replaces "missing_fields", which only covered fewer.
inline constexpr const char* kFieldCount = "field_count";
inline constexpr const char* kBadRegion = "bad_region";
inline constexpr const char* kBadOrigin = "bad_origin_coord";
inline constexpr const char* kBadDestination = "bad_destination_coord";
inline constexpr const char* kBadDatetime = "bad_datetime";
inline constexpr const char* kBadDatasource = "bad_datasource";
}  // namespace reject

// Fills `trip` (reusing its storage) and returns true, or sets `error` and returns false.
// Checks, in this order: record too long / unterminated quote; exactly columns.field_count
// fields; region (trimmed of spaces and tabs: 1..64 bytes, strict UTF-8, no C0/DEL/C1
// control characters); origin and destination (strict UTF-8, no control characters but
// WKT's whitespace, then WKT, finite, in range); datetime (trimmed, strict UTF-8, no control
// characters, then parse_datetime, which also enforces kMinTripTimeUs..kMaxTripTimeUs);
// datasource (as region). Never throws, whatever the bytes.
bool parse_trip_row(const CsvRecord& record, const TripColumns& columns, Trip& trip,
                    RowError& error);

// Checks a trip against everything parse_trip_row guarantees (for trips that did not come
// from CSV, and for the consumer, which re-checks every decoded message): region and
// datasource 1..64 bytes of strict UTF-8 without control characters or surrounding blanks;
// points finite and within WGS84 ranges (negative zero and subnormals are accepted); the
// time within kMinTripTimeUs..kMaxTripTimeUs (trip.hpp), else bad_datetime. Every trip
// parse_trip_row accepts passes.
bool validate_trip(const Trip& trip, RowError& error);

}  // namespace tripstream
