// Locating the trip columns by header name: any order, extra columns ignored.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tripstream {

// The header is missing or lacks required columns; fatal for the whole input.
class HeaderError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::string_view kTripCsvHeader =
    "region,origin_coord,destination_coord,datetime,datasource";

struct TripColumns {
    size_t region = 0;
    size_t origin = 1;
    size_t destination = 2;
    size_t datetime = 3;
    size_t datasource = 4;
    // The header's number of fields, extra columns and an empty field after a trailing comma
    // included: every row must have exactly this many (reject::kFieldCount otherwise).
    size_t field_count = 5;
};

// Matches names case-insensitively, ignoring surrounding spaces and tabs. Throws HeaderError
// naming every missing column, or a column that appears twice.
TripColumns find_trip_columns(const std::vector<std::string_view>& header);

}  // namespace tripstream
