// Parsing of trip datetimes into microseconds since the epoch, UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tripstream {

// Years of the written date; the instant after any UTC offset must also lie within
// [kMinTripTimeUs, kMaxTripTimeUs] (trip.hpp).
inline constexpr int kMinYear = 1900;
inline constexpr int kMaxYear = 2199;

// Accepts "YYYY-MM-DD HH:MM:SS" with: "T" instead of the space; optional fractional seconds
// (1 to 9 digits, kept to the microsecond); an optional "Z" or "+HH:MM" / "-HH:MM" / "+HHMM"
// offset, normalised to UTC. Times without an offset are UTC. Impossible dates (2018-02-30)
// and out-of-range fields are rejected with a reason, as is a time that an offset moves
// outside the supported range. Spaces and tabs around the text are ignored. The reason
// quotes the text through sanitized_excerpt (text/utf8.hpp): it is always printable UTF-8.
bool parse_datetime(std::string_view text, int64_t& time_us, std::string& reason);

// True when `time_us` is a supported trip time (kMinTripTimeUs..kMaxTripTimeUs, trip.hpp);
// otherwise false with a reason: "time 1899-12-31 23:30:00 UTC out of range [1900-01-01
// 00:00:00, 2199-12-31 23:59:59.999999] UTC".
bool check_trip_time(int64_t time_us, std::string& reason);

}  // namespace tripstream
