#include "tripstream/api/ingestion_upload_handler.hpp"

#include <nlohmann/json.hpp>

#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/jobs/job_registration.hpp"
#include "tripstream/kafka/trip_topics.hpp"
#include "tripstream/producer/configured_producer_options.hpp"
#include "tripstream/producer/trip_producer.hpp"

namespace tripstream::api {
namespace {

// The exchange's body as the CSV reader's byte source; remembers why reading stopped.
class UploadBody final : public ByteSource {
  public:
    explicit UploadBody(ByteSource& body) : body_(body) {}
    size_t read(char* data, size_t size) override {
        try {
            return body_.read(data, size);
        } catch (const http::BodyTooLarge& e) {
            too_large_ = true;
            throw;
        }
    }
    bool rewind() override { return false; }
    const std::string& name() const override { return name_; }
    bool too_large() const { return too_large_; }

  private:
    ByteSource& body_;
    bool too_large_ = false;
    std::string name_ = "upload";
};

bool is_csv(const std::optional<std::string>& content_type) {
    if (!content_type) return true;  // curl --data-binary without -H: take it as CSV
    const std::string type = content_type->substr(0, content_type->find(';'));
    return type == "text/csv" || type == "text/plain" || type == "application/octet-stream" ||
           type == "application/x-www-form-urlencoded";  // curl's default for --data-binary
}

nlohmann::json accepted_json(const ProducerSummary& summary) {
    const std::string base = "/v1/ingestions/" + summary.job_id;
    return {{"job_id", summary.job_id},
            {"state", "running"},
            {"rows_sent", summary.rows_sent},
            {"rows_rejected", summary.rows_rejected},
            {"status_url", base},
            {"events_url", base + "/events"}};
}

}  // namespace

http::HttpResponse create_ingestion(const ApiServices& services, http::HttpExchange& exchange) {
    if (!is_csv(exchange.request().header("Content-Type"))) {
        return http::problem(415, "send the trips as text/csv", "Content-Type");
    }
    auto body = std::make_unique<UploadBody>(exchange.body());
    UploadBody& upload = *body;
    std::unique_ptr<CsvTripSource> source;
    try {
        source = std::make_unique<CsvTripSource>(std::move(body));
    } catch (const HeaderError& e) {
        return http::problem(400, std::string("the CSV header is not usable: ") + e.what(), "body");
    }
    int partitions = 0;
    try {
        partitions = kafka::ensure_trip_topics(services.config.kafka);
    } catch (const std::exception& e) {
        services.log.warn(cat("upload: Kafka unavailable: ", e.what()));
        return http::problem(503, "Kafka is unavailable; retry later");
    }
    const ProducerOptions options =
        configured_producer_options(services.config, partitions, new_job_id(), ProducerRun::upload);
    try {
        auto conn = services.pool->acquire();
        register_job(*conn, job_id_to_string(options.job_id), "upload");
    } catch (const db::PgError& e) {
        services.log.warn(cat("upload: database unavailable: ", e.what()));
        return http::problem(503, "the database is unavailable; retry later");
    }
    kafka::KafkaProducer kafka(services.config.kafka.bootstrap_servers);
    TripProducer producer(kafka, options);
    static const std::atomic<bool> never{false};
    const ProducerSummary summary =
        producer.run(*source, services.stopping != nullptr ? *services.stopping : never);
    services.log.info(cat("upload job ", summary.job_id, ": ", summary.rows_sent, " rows sent, ",
                          summary.rows_rejected, " rejected",
                          summary.ok() ? "" : ", failed: " + summary.error));
    if (upload.too_large()) {
        return http::problem(
            413,
            "the upload exceeds " + std::to_string(services.config.api.upload_max_bytes) +
                " bytes (UPLOAD_MAX_BYTES); job " + summary.job_id + " is marked failed",
            "body");
    }
    if (!summary.ok()) {
        return http::problem(503, "job " + summary.job_id + " failed: " + summary.error);
    }
    http::HttpResponse response = http::HttpResponse::json(202, accepted_json(summary).dump());
    response.headers.emplace_back("Location", "/v1/ingestions/" + summary.job_id);
    return response;
}

}  // namespace tripstream::api
