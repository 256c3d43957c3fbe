#include "tripstream/csv/trip_row_parser.hpp"

#include "tripstream/geo/wkt_point.hpp"
#include "tripstream/time/datetime_parser.hpp"

namespace tripstream {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool reject_with(RowError& error, const char* code, std::string detail) {
    error.code = code;
    error.detail = std::move(detail);
    return false;
}

// Region and datasource: non-empty, bounded, no control characters (they would corrupt
// COPY text and logs).
bool check_name(std::string_view value, size_t max_length, const char* code, const char* what,
                RowError& error) {
    if (value.empty()) return reject_with(error, code, std::string(what) + " is empty");
    if (value.size() > max_length) {
        return reject_with(error, code,
                           std::string(what) + " longer than " + std::to_string(max_length) +
                               " bytes (" + std::to_string(value.size()) + ")");
    }
    for (const char c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return reject_with(error, code, std::string(what) + " contains a control character");
        }
    }
    return true;
}

bool parse_point(std::string_view text, GeoPoint& point, const char* code, RowError& error) {
    std::string detail;
    if (!parse_wkt_point(text, point, detail) || !validate_point(point, detail)) {
        return reject_with(error, code, std::move(detail));
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
    if (f.size() < columns.min_fields) {
        return reject_with(error, reject::kMissingFields,
                           "expected at least " + std::to_string(columns.min_fields) +
                               " fields, got " + std::to_string(f.size()));
    }
    const std::string_view region = trim(f[columns.region]);
    const std::string_view datasource = trim(f[columns.datasource]);
    if (!check_name(region, kMaxRegionLength, reject::kBadRegion, "region", error)) return false;
    if (!parse_point(f[columns.origin], trip.origin, reject::kBadOrigin, error)) return false;
    if (!parse_point(f[columns.destination], trip.destination, reject::kBadDestination, error)) {
        return false;
    }
    std::string detail;
    if (!parse_datetime(f[columns.datetime], trip.time_us, detail)) {
        return reject_with(error, reject::kBadDatetime, std::move(detail));
    }
    if (!check_name(datasource, kMaxDatasourceLength, reject::kBadDatasource, "datasource",
                    error)) {
        return false;
    }
    trip.region.assign(region);
    trip.datasource.assign(datasource);
    return true;
}

bool validate_trip(const Trip& trip, RowError& error) {
    std::string detail;
    if (!check_name(trip.region, kMaxRegionLength, reject::kBadRegion, "region", error)) {
        return false;
    }
    if (!validate_point(trip.origin, detail)) {
        return reject_with(error, reject::kBadOrigin, std::move(detail));
    }
    if (!validate_point(trip.destination, detail)) {
        return reject_with(error, reject::kBadDestination, std::move(detail));
    }
    return check_name(trip.datasource, kMaxDatasourceLength, reject::kBadDatasource, "datasource",
                      error);
}

}  // namespace tripstream
