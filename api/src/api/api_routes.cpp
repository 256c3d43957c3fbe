#include "tripstream/api/api_routes.hpp"

#include "tripstream/api/auth.hpp"
#include "tripstream/api/cell_handlers.hpp"
#include "tripstream/api/cluster_handlers.hpp"
#include "tripstream/api/dashboard_handlers.hpp"
#include "tripstream/api/docs_handlers.hpp"
#include "tripstream/api/health_handlers.hpp"
#include "tripstream/api/ingestion_upload_handler.hpp"
#include "tripstream/api/rejected_rows_handler.hpp"
#include "tripstream/api/status_handlers.hpp"
#include "tripstream/api/weekly_average_handler.hpp"

namespace tripstream::api {
namespace {

constexpr uint64_t kJsonBodyLimit = 4 << 20;

std::string read_body(http::HttpExchange& exchange) {
    std::string body;
    char block[16384];
    while (const size_t n = exchange.body().read(block, sizeof block))
        body.append(block, n);
    return body;
}

}  // namespace

http::Router make_router(const ApiServices& s) {
    http::Router router;
    // Open routes: probes, metrics and documentation.
    auto open = [&](std::string method, std::string pattern, http::Handler handler) {
        router.add({std::move(method), std::move(pattern), std::move(handler)});
    };
    open("GET", "/healthz", [](http::HttpExchange&) { return healthz(); });
    open("GET", "/readyz", [&s](http::HttpExchange&) { return readyz(s); });
    open("GET", "/metrics", [&s](http::HttpExchange&) { return metrics(s); });
    open("GET", "/openapi.json", [](http::HttpExchange&) { return openapi_document(); });
    open("GET", "/docs", [&s](http::HttpExchange& e) { return swagger_ui(s, e.request(), ""); });
    open("GET", "/docs/", [&s](http::HttpExchange& e) { return swagger_ui(s, e.request(), ""); });
    open("GET", "/docs/{file}", [&s](http::HttpExchange& e) {
        return swagger_ui(s, e.request(), e.request().path_params.at("file"));
    });
    // The dashboard: its page, its files and the settings it reads first.
    open("GET", "/", [&s](http::HttpExchange& e) { return dashboard_page(s, e.request()); });
    open("GET", "/ui/settings.json", [&s](http::HttpExchange&) { return dashboard_settings(s); });
    open("GET", "/ui/{file}", [&s](http::HttpExchange& e) {
        return dashboard_file(s, e.request(), e.request().path_params.at("file"));
    });

    // /v1/: behind the API key when one is configured.
    auto v1 = [&](std::string method, std::string pattern, http::Handler handler,
                  uint64_t body_limit = kJsonBodyLimit) {
        router.add({std::move(method), std::move(pattern),
                    require_api_key(std::move(handler), s.config.api.api_key), body_limit});
    };
    v1("GET", "/v1/trips/weekly-average",
       [&s](http::HttpExchange& e) { return weekly_average(s, e.request()); });
    v1("GET", "/v1/trips/weekly-average/events",
       [&s](http::HttpExchange& e) { return weekly_average_events(s, e.request()); });
    v1("GET", "/v1/trips/cells",
       [&s](http::HttpExchange& e) { return trip_cells(s, e.request()); });
    v1("GET", "/v1/regions", [&s](http::HttpExchange& e) { return list_regions(s, e.request()); });
    v1("GET", "/v1/clusters",
       [&s](http::HttpExchange& e) { return list_clusters(s, e.request()); });
    v1("POST", "/v1/clusters/predict",
       [&s](http::HttpExchange& e) { return predict_clusters(s, read_body(e)); });
    router.add({"POST", "/v1/ingestions",
                require_api_key([&s](http::HttpExchange& e) { return create_ingestion(s, e); },
                                s.config.api.api_key),
                s.config.api.upload_max_bytes, /*streams_body=*/true});
    v1("GET", "/v1/ingestion/status",
       [&s](http::HttpExchange& e) { return ingestion_status(s, e.request()); });
    v1("GET", "/v1/ingestion/events", [&s](http::HttpExchange&) { return ingestion_events(s); });
    v1("GET", "/v1/ingestions/{id}",
       [&s](http::HttpExchange& e) { return job_status(s, e.request()); });
    v1("GET", "/v1/ingestions/{id}/events",
       [&s](http::HttpExchange& e) { return job_events(s, e.request()); });
    v1("GET", "/v1/ingestions/{id}/rejected",
       [&s](http::HttpExchange& e) { return list_rejected_rows(s, e.request()); });
    return router;
}

}  // namespace tripstream::api
