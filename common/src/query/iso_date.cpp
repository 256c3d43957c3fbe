#include "tripstream/query/iso_date.hpp"

#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

// The digits at [pos, pos + n) as a number, or -1 when any of them is not a digit.
int digits(std::string_view s, size_t pos, size_t n) {
    int value = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return -1;
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

}  // namespace

std::optional<int64_t> parse_iso_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const int year = digits(text, 0, 4);
    const int month = digits(text, 5, 2);
    const int day = digits(text, 8, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1) return std::nullopt;
    if (day > days_in_month(year, month)) return std::nullopt;
    return days_from_civil(year, month, day);
}

}  // namespace tripstream::query
