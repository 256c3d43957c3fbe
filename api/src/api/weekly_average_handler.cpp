#include "tripstream/api/weekly_average_handler.hpp"

#include <array>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/time/civil_time.hpp"
#include "tripstream/time/iso_timestamp.hpp"

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

http::HttpResponse answer_response(const query::WeeklyAverageResult& result, const char* engine) {
    http::HttpResponse response = http::HttpResponse::json(200, weekly_average_json(result).dump());
    response.headers.emplace_back("X-Tripstream-Engine", engine);
    return response;
}

// The index answers from its last snapshot while it cannot reach the database; the header
// tells the client so, and since when (docs/api.md).
http::HttpResponse index_response(const query::IndexAnswer& answer) {
    http::HttpResponse response = answer_response(answer.result, "index");
    if (answer.stale_since_unix_seconds > 0) {
        const auto micros = static_cast<int64_t>(answer.stale_since_unix_seconds * 1e6);
        response.headers.emplace_back(kIndexStateHeader,
                                      "stale; since=" + format_iso_timestamp(micros));
    }
    return response;
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
        if (services.fast_weekly_average) {
            if (const auto answer = services.fast_weekly_average(req))
                return index_response(*answer);
        }
        auto conn = services.pool->acquire();
        return answer_response(query::weekly_average(*conn, req), "database");
    } catch (const query::RequestError& e) {
        return http::problem(400, e.what(), e.error().parameter);
    } catch (const db::PgError& e) {
        return database_problem(services, "weekly average", e);
    }
}

}  // namespace tripstream::api
