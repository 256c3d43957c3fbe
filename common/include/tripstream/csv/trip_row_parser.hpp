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

// The stable reason codes (documented in docs/message-format.md).
namespace reject {
inline constexpr const char* kLineTooLong = "line_too_long";
inline constexpr const char* kUnterminatedQuote = "unterminated_quote";
inline constexpr const char* kMissingFields = "missing_fields";
inline constexpr const char* kBadRegion = "bad_region";
inline constexpr const char* kBadOrigin = "bad_origin_coord";
inline constexpr const char* kBadDestination = "bad_destination_coord";
inline constexpr const char* kBadDatetime = "bad_datetime";
inline constexpr const char* kBadDatasource = "bad_datasource";
}  // namespace reject

// Fills `trip` (reusing its storage) and returns true, or sets `error` and returns false.
bool parse_trip_row(const CsvRecord& record, const TripColumns& columns, Trip& trip,
                    RowError& error);

// Checks a trip's fields against the same rules (for trips that did not come from CSV).
bool validate_trip(const Trip& trip, RowError& error);

}  // namespace tripstream
