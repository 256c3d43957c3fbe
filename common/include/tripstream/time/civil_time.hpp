// Conversions between the proleptic Gregorian calendar and days since 1970-01-01 (UTC),
// after Howard Hinnant's public-domain algorithms: exact for every date, no time zone
// database, no locale, no allocation.
#pragma once

#include <cstdint>
#include <string>

namespace tripstream {

struct CivilDate {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
};

int64_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(int64_t days);
bool is_leap_year(int year);
int days_in_month(int year, int month);

// Floor division of microseconds into days, correct for negative values.
int64_t days_from_micros(int64_t time_us);

// ISO-8601 weekday: 1 = Monday ... 7 = Sunday.
int iso_weekday(int64_t days);

// Days since the epoch of the Monday that starts the ISO week containing `days`.
int64_t iso_week_start(int64_t days);

// "YYYY-MM-DD HH:MM:SS" (whole seconds; sub-second digits added only when non-zero).
void append_datetime(std::string& out, int64_t time_us);
std::string format_datetime(int64_t time_us);

// "YYYY-MM-DD".
std::string format_date(int64_t days);

}  // namespace tripstream
