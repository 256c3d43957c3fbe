#include "tripstream/query/weekly_average_json.hpp"

#include <string>

#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

nlohmann::json date_or_null(const std::optional<int64_t>& days) {
    return days ? nlohmann::json(format_date(*days)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json weekly_average_json(const WeeklyAverageResult& r) {
    nlohmann::json series = nlohmann::json::array();
    for (const auto& week : r.series) {
        series.push_back(
            {{"week_start", format_date(week.week_start_days)}, {"trips", week.trips}});
    }
    nlohmann::json bbox = nullptr;
    if (r.bbox) bbox = {r.bbox->min_lon, r.bbox->min_lat, r.bbox->max_lon, r.bbox->max_lat};
    return {{"region", r.region ? nlohmann::json(*r.region) : nlohmann::json(nullptr)},
            {"bbox", bbox},
            {"match", std::string(match_name(r.match))},
            {"from", date_or_null(r.from_days)},
            {"to", date_or_null(r.to_days)},
            {"weeks", r.weeks},
            {"total_trips", r.total_trips},
            {"weekly_average", r.weekly_average},
            {"series", std::move(series)}};
}

}  // namespace tripstream::query
