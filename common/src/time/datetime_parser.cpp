#include "tripstream/time/datetime_parser.hpp"

#include "tripstream/text/digits.hpp"
#include "tripstream/text/trim.hpp"
#include "tripstream/text/utf8.hpp"
#include "tripstream/time/civil_time.hpp"
#include "tripstream/trip.hpp"

namespace tripstream {
namespace {

constexpr size_t kExcerpt = 60;

// Reads exactly `width` digits.
bool digits(std::string_view s, size_t pos, size_t width, int& out) {
    const int v = fixed_digits(s, pos, width);
    if (v < 0) return false;
    out = v;
    return true;
}

bool fail(std::string_view text, const char* what, std::string& reason) {
    reason = what;
    reason.append(", got '");
    reason.append(sanitized_excerpt(text, kExcerpt));
    reason.push_back('\'');
    return false;
}

constexpr const char* kShape = "expected 'YYYY-MM-DD HH:MM:SS[.ffffff][Z|+HH:MM]'";

// Years 0001..9999 print as dates; anything else (a hostile message) as a number.
void append_instant(std::string& out, int64_t time_us) {
    constexpr int64_t kYear1Us = -62'135'596'800LL * kMicrosPerSecond;
    constexpr int64_t kYear10000Us = 253'402'300'800LL * kMicrosPerSecond;
    if (time_us >= kYear1Us && time_us < kYear10000Us) {
        append_datetime(out, time_us);
        out.append(" UTC");
    } else {
        out.append(std::to_string(time_us));
        out.append(" us since the epoch");
    }
}

}  // namespace

bool check_trip_time(int64_t time_us, std::string& reason) {
    if (is_supported_trip_time(time_us)) return true;
    reason = "time ";
    append_instant(reason, time_us);
    reason.append(" out of range [");
    append_datetime(reason, kMinTripTimeUs);
    reason.append(", ");
    append_datetime(reason, kMaxTripTimeUs);
    reason.append("] UTC");
    return false;
}

bool parse_datetime(std::string_view text, int64_t& time_us, std::string& reason) {
    const std::string_view s = trim_blanks(text);
    int year, month, day, hour, minute, second;
    if (s.size() < 19 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) ||
        s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') ||
        !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
        !digits(s, 17, 2, second)) {
        return fail(text, kShape, reason);
    }
    if (year < kMinYear || year > kMaxYear) {
        return fail(text, "year out of range [1900, 2199]", reason);
    }
    if (month < 1 || month > 12) return fail(text, "month out of range [1, 12]", reason);
    if (day < 1 || day > days_in_month(year, month)) {
        return fail(text, "no such day in that month", reason);
    }
    if (hour > 23 || minute > 59 || second > 59) {
        return fail(text, "time of day out of range", reason);
    }
    size_t pos = 19;
    int64_t micros = 0;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int count = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (count < 6) micros = micros * 10 + (s[pos] - '0');
            ++count;
            ++pos;
        }
        if (count == 0 || count > 9) return fail(text, kShape, reason);
        for (int i = count; i < 6; ++i)
            micros *= 10;
    }
    int offset_minutes = 0;
    if (pos < s.size()) {
        const char sign = s[pos];
        if ((sign == 'Z' || sign == 'z') && pos + 1 == s.size()) {
            pos = s.size();
        } else if (sign == '+' || sign == '-') {
            int oh, om;
            const size_t rest = s.size() - pos - 1;
            const bool colon = rest == 5 && s[pos + 3] == ':';
            if (!(rest == 4 || colon || rest == 2) || !digits(s, pos + 1, 2, oh) ||
                (rest == 2 ? (om = 0, false) : !digits(s, pos + (colon ? 4 : 3), 2, om))) {
                return fail(text, kShape, reason);
            }
            if (oh > 23 || om > 59) return fail(text, "UTC offset out of range", reason);
            offset_minutes = (oh * 60 + om) * (sign == '-' ? -1 : 1);
            pos = s.size();
        } else {
            return fail(text, kShape, reason);
        }
    }
    const int64_t days = days_from_civil(year, month, day);
    const int64_t seconds =
        days * kSecondsPerDay + hour * 3600 + minute * 60 + second - int64_t{offset_minutes} * 60;
    const int64_t t = seconds * kMicrosPerSecond + micros;
    // An offset can move 1900-01-01 00:30+01:00 or 2199-12-31 23:30-01:00 out of range.
    if (!check_trip_time(t, reason)) return false;
    time_us = t;
    return true;
}

}  // namespace tripstream
