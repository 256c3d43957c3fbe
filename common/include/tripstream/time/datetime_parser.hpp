// Parsing of trip datetimes into microseconds since the epoch, UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tripstream {

inline constexpr int kMinYear = 1900;
inline constexpr int kMaxYear = 2199;

// Accepts "YYYY-MM-DD HH:MM:SS" with: "T" instead of the space; optional fractional seconds
// (1 to 9 digits, kept to the microsecond); an optional "Z" or "+HH:MM" / "-HH:MM" / "+HHMM"
// offset, normalised to UTC. Times without an offset are UTC. Impossible dates (2018-02-30)
// and out-of-range fields are rejected with a reason.
bool parse_datetime(std::string_view text, int64_t& time_us, std::string& reason);

}  // namespace tripstream
