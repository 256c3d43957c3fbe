// What the API's handlers need, gathered in one value that main() builds and tests fake
// parts of: configuration, the database pool, the in-memory weekly-average index (when
// loaded), the k-means model, the status hub, the readiness probe, the uploads' shared Kafka
// producer, metrics. Handlers own none of it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "tripstream/config.hpp"
#include "tripstream/db/connection_pool.hpp"
#include "tripstream/http/http_metrics.hpp"
#include "tripstream/kmeans/kmeans_model.hpp"
#include "tripstream/log.hpp"
#include "tripstream/query/index_answer.hpp"
#include "tripstream/query/index_listeners.hpp"
#include "tripstream/query/live_cell_counts.hpp"
#include "tripstream/query/weekly_average.hpp"

namespace tripstream::api {

class StatusHub;
class ReadinessProbe;
class UploadProducer;

// Answers from the in-memory index, with whether its snapshot follows the database; nullopt
// while it is not loaded (the database answers).
using FastWeeklyAverage =
    std::function<std::optional<query::IndexAnswer>(const query::WeeklyAverageRequest&)>;

// The in-memory trips-per-cell aggregate and whether it follows the database; nullopt while
// it is not loaded (the database answers /v1/trips/cells and /v1/regions).
using FastCellCounts = std::function<std::optional<query::CellCountsView>()>;
// Calls back after every change of the in-memory index (LiveTripIndex::subscribe).
using SubscribeIndex = std::function<query::IndexListeners::Subscription(std::function<void()>)>;

struct ApiServices {
    Config config;
    Logger log{"api", LogLevel::info};
    db::ConnectionPool* pool = nullptr;
    http::HttpMetrics* metrics = nullptr;
    FastWeeklyAverage fast_weekly_average;  // may be empty
    FastCellCounts fast_cell_counts;        // may be empty
    SubscribeIndex subscribe_index;  // empty without the index: weekly-average streams are 503
    std::shared_ptr<const kmeans::KMeansModel> model;  // null: no MODEL_PATH
    StatusHub* status = nullptr;
    const ReadinessProbe* readiness = nullptr;    // null: /readyz answers "not ready"
    UploadProducer* uploads = nullptr;            // null: uploads answer 503
    std::function<std::string()> extra_metrics;   // more Prometheus text (index, ingestion)
    std::string swagger_ui_dir;                   // swagger-ui-dist files for /docs
    std::string web_dir;                          // the dashboard's built files for /
    const std::atomic<bool>* stopping = nullptr;  // set when the process is stopping
    // Runs blocking work (a database read an event stream needs) off the event loop; empty:
    // such work is skipped until the next status change.
    std::function<void(std::function<void()>)> run_blocking;
};

}  // namespace tripstream::api
