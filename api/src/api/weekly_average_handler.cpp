#include "tripstream/api/weekly_average_handler.hpp"

#include <array>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/api/weekly_average_feed.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/query/weekly_average_json.hpp"
#include "tripstream/time/iso_timestamp.hpp"

namespace tripstream::api {
namespace {

constexpr std::array<std::string_view, 7> kParameters = {"region", "bbox", "p1",   "p2",
                                                         "from",   "to",   "match"};

http::HttpResponse answer_response(const query::WeeklyAverageResult& result, const char* engine) {
    http::HttpResponse response =
        http::HttpResponse::json(200, query::weekly_average_json(result).dump());
    response.headers.emplace_back("X-Tripstream-Engine", engine);
    return response;
}

http::HttpResponse index_response(const query::IndexAnswer& answer) {
    http::HttpResponse response = answer_response(answer.result, "index");
    response.headers.emplace_back(kIndexVersionHeader, std::to_string(answer.snapshot_version));
    add_index_state(response, answer.stale_since_unix_seconds);
    return response;
}

// The checked request, or the 400 naming the parameter at fault.
std::variant<query::WeeklyAverageRequest, http::HttpResponse> parse_request(
    const http::HttpRequest& request) {
    if (auto bad = http::unknown_parameter_problem(request, kParameters)) return *bad;
    query::WeeklyAverageParams params{
        request.param("region"), request.param("bbox"), request.param("p1"),   request.param("p2"),
        request.param("from"),   request.param("to"),   request.param("match")};
    auto parsed = query::parse_weekly_average_request(params);
    if (const auto* bad = std::get_if<query::ParameterError>(&parsed)) {
        return http::problem(400, bad->parameter + ": " + bad->message, bad->parameter);
    }
    return std::get<query::WeeklyAverageRequest>(std::move(parsed));
}

}  // namespace

std::string format_stale_since(double unix_seconds) {
    return format_iso_timestamp(static_cast<int64_t>(unix_seconds * 1e6));
}

// The index answers from its last snapshot while it cannot reach the database; the header
// tells the client so, and since when (docs/api.md).
void add_index_state(http::HttpResponse& response, double stale_since_unix_seconds) {
    if (stale_since_unix_seconds <= 0) return;
    response.headers.emplace_back(kIndexStateHeader,
                                  "stale; since=" + format_stale_since(stale_since_unix_seconds));
}

http::HttpResponse weekly_average(const ApiServices& services, const http::HttpRequest& request) {
    auto parsed = parse_request(request);
    if (auto* refused = std::get_if<http::HttpResponse>(&parsed)) return std::move(*refused);
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

// The stream opens exactly when the plain request would answer 200: the same parameter
// checks, and the data's (an unknown region, an open range over kMaxWeeks) by the index, or
// while it loads by the database engine, as the plain request is answered then.
http::HttpResponse weekly_average_events(const ApiServices& services,
                                         const http::HttpRequest& request) {
    auto parsed = parse_request(request);
    if (auto* refused = std::get_if<http::HttpResponse>(&parsed)) return std::move(*refused);
    auto& req = std::get<query::WeeklyAverageRequest>(parsed);
    if (!services.fast_weekly_average || !services.subscribe_index) {
        return http::problem(503,
                             "weekly-average events need the in-memory index (QUERY_ENGINE=index)");
    }
    std::optional<query::IndexAnswer> first;
    try {
        first = services.fast_weekly_average(req);
        if (!first) {
            auto conn = services.pool->acquire();
            query::weekly_average(*conn, req);  // only its refusals matter: events need the index
        }
    } catch (const query::RequestError& e) {
        return http::problem(400, e.what(), e.error().parameter);
    } catch (const db::PgError& e) {
        return database_problem(services, "weekly average", e);
    }
    http::HttpResponse response;
    response.events = std::make_shared<WeeklyAverageFeed>(
        std::move(req), std::move(first),
        WeeklyAverageSource{services.fast_weekly_average, services.subscribe_index,
                            services.run_blocking, services.log});
    return response;
}

}  // namespace tripstream::api
