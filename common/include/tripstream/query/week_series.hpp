// The week range of a weekly-average answer and its series, shared by both engines (the
// database engine, weekly_average.hpp, and the in-memory LiveTripIndex) so that they resolve
// missing ends, refuse over-long ranges and fill zero weeks identically.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "tripstream/query/weekly_average.hpp"
#include "tripstream/query/weekly_average_sql.hpp"

namespace tripstream::query {

// The requested weeks: `from_days`/`to_days` widened to their ISO weeks; a missing end comes
// from `data_weeks()` (first and last week with trips of the asked regions; nullopt: none, and
// then the range is empty whatever the other end says). Called only when an end is missing.
// Throws RequestError for a range over kMaxWeeks.
WeekSpan requested_weeks(const WeeklyAverageRequest& request,
                         const std::function<std::optional<WeekSpan>()>& data_weeks);

// Fills series, weeks, total, average, from_days and to_days of `result` for `span`;
// counts[i] holds the trips of week span.first_week + 7 i (missing entries are zero).
void fill_series(WeeklyAverageResult& result, WeekSpan span, std::span<const int64_t> counts);

}  // namespace tripstream::query
