#include "tripstream/api/weekly_average_handler.hpp"

#include <array>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::api {
namespace {

constexpr std::array<std::string_view, 7> kParameters = {"region", "bbox", "p1",   "p2",
                                                         "from",   "to",   "match"};

// A misspelt parameter would otherwise be silently ignored and answer another question.
std::optional<std::string> unknown_parameter(const http::HttpRequest& request) {
    for (const auto& [name, value] : request.query) {
        if (std::find(kParameters.begin(), kParameters.end(), name) == kParameters.end())
            return name;
    }
    return std::nullopt;
}

nlohmann::json date_or_null(const std::optional<int64_t>& days) {
    return days ? nlohmann::json(format_date(*days)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json weekly_average_json(const query::WeeklyAverageResult& r) {
    nlohmann::json series = nlohmann::json::array();
    for (const auto& week : r.series) {
        series.push_back(
            {{"week_start", format_date(week.week_start_days)}, {"trips", week.trips}});
    }
    nlohmann::json bbox = nullptr;
    if (r.bbox) bbox = {r.bbox->min_lon, r.bbox->min_lat, r.bbox->max_lon, r.bbox->max_lat};
    return {{"region", r.region ? nlohmann::json(*r.region) : nlohmann::json(nullptr)},
            {"bbox", bbox},
            {"match", std::string(query::match_name(r.match))},
            {"from", date_or_null(r.from_days)},
            {"to", date_or_null(r.to_days)},
            {"weeks", r.weeks},
            {"total_trips", r.total_trips},
            {"weekly_average", r.weekly_average},
            {"series", std::move(series)}};
}

http::HttpResponse weekly_average(const ApiServices& services, const http::HttpRequest& request) {
    if (const auto name = unknown_parameter(request)) {
        return http::problem(
            400,
            "unknown parameter '" + *name + "'; expected region, bbox, p1, p2, from, to, match",
            *name);
    }
    query::WeeklyAverageParams params{
        request.param("region"), request.param("bbox"), request.param("p1"),   request.param("p2"),
        request.param("from"),   request.param("to"),   request.param("match")};
    const auto parsed = query::parse_weekly_average_request(params);
    if (const auto* bad = std::get_if<query::ParameterError>(&parsed)) {
        return http::problem(400, bad->parameter + ": " + bad->message, bad->parameter);
    }
    const auto& req = std::get<query::WeeklyAverageRequest>(parsed);
    try {
        std::optional<query::WeeklyAverageResult> result;
        const char* engine = "index";
        if (services.fast_weekly_average) result = services.fast_weekly_average(req);
        if (!result) {
            engine = "database";
            auto conn = services.pool->acquire();
            result = query::weekly_average(*conn, req);
        }
        http::HttpResponse response =
            http::HttpResponse::json(200, weekly_average_json(*result).dump());
        response.headers.emplace_back("X-Tripstream-Engine", engine);
        return response;
    } catch (const query::RequestError& e) {
        return http::problem(400, e.what(), e.error().parameter);
    } catch (const db::PgError& e) {
        return database_problem(services, "weekly average", e);
    }
}

}  // namespace tripstream::api
