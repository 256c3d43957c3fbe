// The weekly-average definition computed in test code from the raw stored values, with no
// grid, no aggregate, no index and no production helper: the oracle every weekly-average
// engine (database, in-memory index, HTTP API) is compared with. Plain SQL only fetches each
// trip's region name, coordinates (float8, as PostGIS stores them) and time (epoch
// microseconds); the box test, the ISO weeks, the week range and the date text are this
// file's own code, written from docs/api.md rather than from the engines.
#pragma once

#include <cstdint>
#include <string>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/weekly_average.hpp"

namespace tripstream::test {

// Per-week counts of raw trips whose chosen ends lie in the box (edges included), over the
// week range the definition implies; fills series and total_trips only.
query::WeeklyAverageResult brute_force_weekly_average(db::PgConnection& conn,
                                                      const query::WeeklyAverageRequest& r);

// The request in words, for assertion messages.
std::string describe(const query::WeeklyAverageRequest& r);

// The shortest text that reads back as the same double.
std::string shortest_double(double v);

// Test-side formatting, independent of the production code: "YYYY-MM-DD" of a day number
// (days since 1970-01-01) and the API's name of a match value.
std::string date_text(int64_t days);
// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, day 1..31, unchecked).
int64_t day_number(int64_t year, int month, int day);
// Whether a date exists (2018-02-30 does not).
bool valid_date(int64_t year, int month, int day);
std::string match_text(query::Match match);

}  // namespace tripstream::test
