// tripstream-api: the HTTP service for weekly averages, ingestion status (snapshots and
// Server-Sent Events), CSV uploads and clusters. Wiring only: handlers are in api/src/api,
// the server in api/src/http, the queries and status in tripstream_common.
#include <CLI/CLI.hpp>
#include <iostream>

#include "tripstream/api/api_routes.hpp"
#include "tripstream/api/api_services.hpp"
#include "tripstream/api/index_metrics.hpp"
#include "tripstream/api/ingestion_metrics.hpp"
#include "tripstream/api/readiness_checks.hpp"
#include "tripstream/api/readiness_probe.hpp"
#include "tripstream/api/server_options.hpp"
#include "tripstream/api/status_hub.hpp"
#include "tripstream/api/upload_producer.hpp"
#include "tripstream/app/app_main.hpp"
#include "tripstream/config.hpp"
#include "tripstream/db/connection_pool.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/http/http_server.hpp"
#include "tripstream/kmeans/configured_model.hpp"
#include "tripstream/log.hpp"
#include "tripstream/process/shutdown_signal.hpp"
#include "tripstream/query/live_cell_counts.hpp"
#include "tripstream/query/live_trip_index.hpp"

namespace tripstream {
namespace {

struct Options {
    std::string config_file;
    std::optional<int> port;
    std::string model_path;
};

void define(CLI::App& app, Options& o) {
    app.description(
        "Serves the tripstream HTTP API: exact weekly averages by region or bounding box,\n"
        "the ingestion status (snapshots and Server-Sent Events pushed on every commit), CSV\n"
        "uploads as ingestion jobs, and the k-means clusters. OpenAPI document at\n"
        "/openapi.json, Swagger UI at /docs. Applies the schema migrations at start.\n"
        "SIGTERM/SIGINT: stop accepting, finish requests in flight, end event streams.\n"
        "Exit codes: 0 stopped cleanly, 1 failure, 2 bad usage or configuration.");
    app.add_option("--config", o.config_file,
                   "config file [env TRIPSTREAM_CONFIG, default ./config.yml]");
    app.add_option("--port", o.port, "HTTP port, 0 for any free one [env HTTP_PORT]")
        ->check(CLI::Range(0, 65535));
    app.add_option("--model", o.model_path, "k-means model file for /v1/clusters [env MODEL_PATH]");
}

int run(const Options& o, ShutdownSignal& shutdown) {
    Config config = load_config(o.config_file);
    if (o.port) config.api.http_port = *o.port;
    if (!o.model_path.empty()) config.consumer.model_path = o.model_path;
    const Logger log("api", config.log_level);
    if (config.api.api_key.empty())
        log.warn("API_KEY is not set: the /v1/ routes run WITHOUT authentication");

    const auto migration = db::migrate_with_retry(config.database.url, log, shutdown.requested());
    log.info(cat("schema at version ", migration.current_version));

    db::ConnectionPool pool(config.database.url, "tripstream-api",
                            static_cast<size_t>(config.api.db_pool_size), std::chrono::seconds(5),
                            std::chrono::milliseconds(config.api.statement_timeout_ms));
    http::HttpMetrics metrics;
    api::StatusHub status(config, pool, log);

    api::ApiServices services;
    services.config = config;
    services.log = log;
    services.pool = &pool;
    services.metrics = &metrics;
    services.model =
        kmeans::load_configured_model(config.consumer.model_path, log, "/v1/clusters answers 503");
    services.status = &status;
    api::ReadinessProbe readiness(api::readiness_dependencies(config), log, {});
    readiness.start();  // /readyz reads its results; checks run every 2 s in the background
    services.readiness = &readiness;
    api::UploadProducer uploads(config.kafka);  // one Kafka producer for every upload
    services.uploads = &uploads;
    std::unique_ptr<query::LiveTripIndex> index;
    std::unique_ptr<query::LiveCellCounts> cells;
    if (config.api.query_engine == "index") {
        query::LiveTripIndexOptions options;
        options.storage.directory = config.api.index_dir;
        options.save_interval = std::chrono::seconds(config.api.index_save_interval_s);
        index = std::make_unique<query::LiveTripIndex>(config.database.url, log, options);
        services.fast_weekly_average = [&index](const query::WeeklyAverageRequest& request) {
            return index->answer(request);
        };
        services.subscribe_index = [&index](std::function<void()> on_change) {
            return index->subscribe(std::move(on_change));
        };
        // Trips per grid cell (/v1/trips/cells, /v1/regions): a small aggregate of its own,
        // following the same commit notifications.
        cells = std::make_unique<query::LiveCellCounts>(config.database.url, log);
        services.fast_cell_counts = [&cells] { return cells->view(); };
    }
    services.extra_metrics = [&status, &index, &cells] {
        return api::ingestion_metrics(status) + (index ? api::index_metrics(index->stats()) : "") +
               (cells ? api::cell_counts_metrics(cells->stats()) : "");
    };
    services.swagger_ui_dir =
        config.api.swagger_ui_dir.empty() ? TRIPSTREAM_SWAGGER_UI_DIR : config.api.swagger_ui_dir;
    services.web_dir = config.api.web_dir.empty() ? TRIPSTREAM_WEB_DIR : config.api.web_dir;
    services.stopping = &shutdown.requested();

    http::HttpServer server(api::server_options(config.api), api::make_router(services), metrics,
                            log);
    services.run_blocking = [&server](std::function<void()> work) {
        server.run_blocking(std::move(work));
    };
    status.start();
    if (index) index->start();  // the database answers until the index is loaded
    if (cells) cells->start();
    log.info(cat("listening on http://", config.api.http_address, ":", server.port(),
                 " (dashboard at /, docs at /docs)"));
    server.run(shutdown.requested());
    if (cells) cells->stop();
    if (index) index->stop();
    status.stop();
    log.info("stopped");
    return kExitOk;
}

}  // namespace
}  // namespace tripstream

int main(int argc, char** argv) {
    return tripstream::service_main("tripstream-api", argc, argv, tripstream::define,
                                    tripstream::run);
}
