// Calendar dates as the API spells them: "YYYY-MM-DD" (ISO 8601 extended, no time, no zone).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tripstream::query {

// Days since 1970-01-01 for a valid date in years 0001..9999; nullopt for anything else
// (wrong length or separators, signs, spaces, month 13, 30 February, ...).
std::optional<int64_t> parse_iso_date(std::string_view text);

}  // namespace tripstream::query
