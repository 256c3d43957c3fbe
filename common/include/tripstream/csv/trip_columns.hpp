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
    size_t min_fields = 5;  // a row needs at least this many fields
};

// Matches names case-insensitively, ignoring surrounding whitespace. Throws HeaderError
// naming every missing column, or a column that appears twice.
TripColumns find_trip_columns(const std::vector<std::string_view>& header);

}  // namespace tripstream
