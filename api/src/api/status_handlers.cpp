#include "tripstream/api/status_handlers.hpp"

#include <nlohmann/json.hpp>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/api/status_feeds.hpp"
#include "tripstream/api/status_hub.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/status/status_json.hpp"
#include "tripstream/status/status_reader.hpp"

namespace tripstream::api {
namespace {

// Texts come from the database (errors, sources); a stray invalid byte must not fail the
// answer.
std::string text(const nlohmann::json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::HttpResponse database_unavailable(const ApiServices& services, const std::exception& e) {
    return database_problem(services, "ingestion status", e);
}

}  // namespace

http::HttpResponse ingestion_status(const ApiServices& services, const http::HttpRequest&) {
    try {
        const auto now = services.status->read_now(std::nullopt);
        return http::HttpResponse::json(200, text(status::to_json(now)));
    } catch (const std::exception& e) {
        return database_unavailable(services, e);
    }
}

http::HttpResponse job_status(const ApiServices& services, const http::HttpRequest& request) {
    const std::string& id = request.path_params.at("id");
    try {
        const auto now = services.status->read_now(id);
        return http::HttpResponse::json(200, text(status::to_json(now.jobs.at(0))));
    } catch (const status::JobNotFound&) {
        return http::problem(404, "no ingestion job with id '" + id + "'", "id");
    } catch (const std::exception& e) {
        return database_unavailable(services, e);
    }
}

http::HttpResponse ingestion_events(const ApiServices& services) {
    http::HttpResponse response;
    response.events = std::make_shared<StatusFeed>(*services.status);
    return response;
}

http::HttpResponse job_events(const ApiServices& services, const http::HttpRequest& request) {
    const std::string& id = request.path_params.at("id");
    status::JobStatus job;
    try {
        job = services.status->read_now(id).jobs.at(0);
    } catch (const status::JobNotFound&) {
        return http::problem(404, "no ingestion job with id '" + id + "'", "id");
    } catch (const std::exception& e) {
        return database_unavailable(services, e);
    }
    http::HttpResponse response;
    response.events =
        std::make_shared<JobStatusFeed>(*services.status, std::move(job), services.run_blocking);
    return response;
}

}  // namespace tripstream::api
