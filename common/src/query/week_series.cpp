#include "tripstream/query/week_series.hpp"

#include <string>

#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {

WeekSpan requested_weeks(const WeeklyAverageRequest& request,
                         const std::function<std::optional<WeekSpan>()>& data_weeks) {
    WeekSpan span;
    if (!request.from_days || !request.to_days) {
        const auto data = data_weeks();
        if (!data) return span;  // no data: no weeks
        span = *data;
    }
    if (request.from_days) span.first_week = iso_week_start(*request.from_days);
    if (request.to_days) span.last_week = iso_week_start(*request.to_days);
    if ((span.last_week - span.first_week) / 7 + 1 > kMaxWeeks) {
        throw RequestError(
            {request.from_days ? "from" : "to",
             "the range up to the data spans more than " + std::to_string(kMaxWeeks) + " weeks"});
    }
    return span;
}

void fill_series(WeeklyAverageResult& result, WeekSpan span, std::span<const int64_t> counts) {
    if (span.last_week < span.first_week) return;
    size_t i = 0;
    for (int64_t week = span.first_week; week <= span.last_week; week += 7, ++i) {
        result.series.push_back({week, i < counts.size() ? counts[i] : 0});
        result.total_trips += result.series.back().trips;
    }
    result.weeks = static_cast<int64_t>(result.series.size());
    result.from_days = span.first_week;
    result.to_days = span.last_week + 6;
    result.weekly_average =
        static_cast<double>(result.total_trips) / static_cast<double>(result.weeks);
}

}  // namespace tripstream::query
