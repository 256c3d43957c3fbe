#include "tripstream/time/civil_time.hpp"

#include "tripstream/trip.hpp"

namespace tripstream {
namespace {

void append_digits(std::string& out, int64_t value, int width) {
    char buf[20];
    for (int i = width - 1; i >= 0; --i) {
        buf[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    out.append(buf, static_cast<size_t>(width));
}

}  // namespace

int64_t days_from_civil(int year, int month, int day) {
    const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t mp = (month + 9) % 12;
    const int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int64_t days) {
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return {static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

bool is_leap_year(int year) {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap_year(year)) return 29;
    return kDays[month - 1];
}

int64_t days_from_micros(int64_t time_us) {
    constexpr int64_t kMicrosPerDay = kSecondsPerDay * kMicrosPerSecond;
    int64_t d = time_us / kMicrosPerDay;
    if (time_us % kMicrosPerDay < 0) --d;
    return d;
}

int iso_weekday(int64_t days) {
    // 1970-01-01 was a Thursday (4).
    const int64_t r = (days + 3) % 7;
    return static_cast<int>((r < 0 ? r + 7 : r) + 1);
}

int64_t iso_week_start(int64_t days) {
    return days - (iso_weekday(days) - 1);
}

void append_datetime(std::string& out, int64_t time_us) {
    const int64_t days = days_from_micros(time_us);
    const int64_t rest_us = time_us - days * kSecondsPerDay * kMicrosPerSecond;
    const int64_t secs = rest_us / kMicrosPerSecond;
    const int64_t micros = rest_us % kMicrosPerSecond;
    const CivilDate date = civil_from_days(days);
    append_digits(out, date.year, 4);
    out.push_back('-');
    append_digits(out, date.month, 2);
    out.push_back('-');
    append_digits(out, date.day, 2);
    out.push_back(' ');
    append_digits(out, secs / 3600, 2);
    out.push_back(':');
    append_digits(out, secs / 60 % 60, 2);
    out.push_back(':');
    append_digits(out, secs % 60, 2);
    if (micros != 0) {
        out.push_back('.');
        append_digits(out, micros, 6);
    }
}

std::string format_datetime(int64_t time_us) {
    std::string out;
    append_datetime(out, time_us);
    return out;
}

std::string format_date(int64_t days) {
    const CivilDate date = civil_from_days(days);
    std::string out;
    append_digits(out, date.year, 4);
    out.push_back('-');
    append_digits(out, date.month, 2);
    out.push_back('-');
    append_digits(out, date.day, 2);
    return out;
}

}  // namespace tripstream
