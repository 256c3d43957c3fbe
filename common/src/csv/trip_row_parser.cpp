#include "tripstream/csv/trip_row_parser.hpp"

#include "tripstream/geo/wkt_point.hpp"
#include "tripstream/text/trim.hpp"
#include "tripstream/text/utf8.hpp"
#include "tripstream/time/datetime_parser.hpp"

namespace tripstream {
namespace {

bool reject_with(RowError& error, const char* code, std::string detail) {
    error.code = code;
    error.detail = std::move(detail);
    return false;
}

// Strict UTF-8 without control characters (`allow_whitespace`: TAB, LF, VT, FF and CR are
// accepted, for WKT). `offset` is where `value` starts within its CSV field, so the reported
// byte offset is the field's: "region: invalid UTF-8 at byte 3 (overlong encoding)".
bool check_text(std::string_view value, size_t offset, bool allow_whitespace, const char* code,
                const char* what, RowError& error) {
    auto problem = find_text_problem(value, allow_whitespace);
    if (!problem) return true;
    problem->offset += offset;
    return reject_with(error, code, std::string(what) + ": " + problem->describe());
}

// Region and datasource: non-empty, bounded, strict UTF-8, no control characters (they would
// corrupt COPY text and logs).
bool check_name(std::string_view value, size_t offset, size_t max_length, const char* code,
                const char* what, RowError& error) {
    if (value.empty()) return reject_with(error, code, std::string(what) + " is empty");
    if (value.size() > max_length) {
        return reject_with(error, code,
                           std::string(what) + " longer than " + std::to_string(max_length) +
                               " bytes (" + std::to_string(value.size()) + ")");
    }
    return check_text(value, offset, false, code, what, error);
}

// A name field of a CSV row: trimmed of spaces and tabs, then checked; offsets stay the
// field's.
bool name_field(std::string_view field, size_t max_length, const char* code, const char* what,
                std::string_view& value, RowError& error) {
    value = trim_blanks(field);
    const auto offset = static_cast<size_t>(value.data() - field.data());
    return check_name(value, offset, max_length, code, what, error);
}

bool parse_point(std::string_view text, GeoPoint& point, const char* code, const char* what,
                 RowError& error) {
    if (!check_text(text, 0, true, code, what, error)) return false;
    std::string detail;
    if (!parse_wkt_point(text, point, detail) || !validate_point(point, detail)) {
        return reject_with(error, code, std::move(detail));
    }
    return true;
}

bool parse_time(std::string_view field, int64_t& time_us, RowError& error) {
    const std::string_view value = trim_blanks(field);
    const auto offset = static_cast<size_t>(value.data() - field.data());
    if (!check_text(value, offset, false, reject::kBadDatetime, "datetime", error)) return false;
    std::string detail;
    if (!parse_datetime(value, time_us, detail)) {
        return reject_with(error, reject::kBadDatetime, std::move(detail));
    }
    return true;
}

// Region and datasource as stored: what name_field leaves (no surrounding blanks either).
bool check_stored_name(const std::string& value, size_t max_length, const char* code,
                       const char* what, RowError& error) {
    // The common case, accepted in one pass: non-empty, short enough, printable ASCII (so no
    // tab either) and no space at either end. Anything else takes the checks below, which
    // decide and explain.
    if (!value.empty() && value.size() <= max_length && value.front() != ' ' &&
        value.back() != ' ' && is_printable_ascii(value)) {
        return true;
    }
    if (!check_name(value, 0, max_length, code, what, error)) return false;
    if (trim_blanks(value).size() != value.size()) {
        return reject_with(error, code, std::string(what) + " has leading or trailing blanks");
    }
    return true;
}

}  // namespace

bool parse_trip_row(const CsvRecord& record, const TripColumns& columns, Trip& trip,
                    RowError& error) {
    if (record.too_long) {
        return reject_with(error, reject::kLineTooLong, "record exceeds the line length limit");
    }
    if (record.unterminated_quote) {
        return reject_with(error, reject::kUnterminatedQuote, "input ended inside a quoted field");
    }
    const auto& f = record.fields;
    if (f.size() != columns.field_count) {
        return reject_with(error, reject::kFieldCount,
                           "expected " + std::to_string(columns.field_count) +
                               " fields (as in the header), got " + std::to_string(f.size()));
    }
    std::string_view region;
    std::string_view datasource;
    if (!name_field(f[columns.region], kMaxRegionLength, reject::kBadRegion, "region", region,
                    error)) {
        return false;
    }
    if (!parse_point(f[columns.origin], trip.origin, reject::kBadOrigin, "origin_coord", error)) {
        return false;
    }
    if (!parse_point(f[columns.destination], trip.destination, reject::kBadDestination,
                     "destination_coord", error)) {
        return false;
    }
    if (!parse_time(f[columns.datetime], trip.time_us, error)) return false;
    if (!name_field(f[columns.datasource], kMaxDatasourceLength, reject::kBadDatasource,
                    "datasource", datasource, error)) {
        return false;
    }
    trip.region.assign(region);
    trip.datasource.assign(datasource);
    return true;
}

bool validate_trip(const Trip& trip, RowError& error) {
    std::string detail;
    if (!check_stored_name(trip.region, kMaxRegionLength, reject::kBadRegion, "region", error)) {
        return false;
    }
    if (!validate_point(trip.origin, detail)) {
        return reject_with(error, reject::kBadOrigin, std::move(detail));
    }
    if (!validate_point(trip.destination, detail)) {
        return reject_with(error, reject::kBadDestination, std::move(detail));
    }
    if (!check_trip_time(trip.time_us, detail)) {
        return reject_with(error, reject::kBadDatetime, std::move(detail));
    }
    return check_stored_name(trip.datasource, kMaxDatasourceLength, reject::kBadDatasource,
                             "datasource", error);
}

}  // namespace tripstream
