#include "tripstream/api/ingestion_upload_handler.hpp"

#include <nlohmann/json.hpp>
#include <variant>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/api/upload_producer.hpp"
#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/jobs/job_registration.hpp"
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
        } catch (const http::BodyTooLarge&) {
            too_large_ = true;
            throw;
        } catch (const http::BodyTimeout&) {
            too_slow_ = true;
            throw;
        }
    }
    bool rewind() override { return false; }
    const std::string& name() const override { return name_; }
    bool too_large() const { return too_large_; }
    bool too_slow() const { return too_slow_; }

  private:
    ByteSource& body_;
    bool too_large_ = false;
    bool too_slow_ = false;
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

struct NewJob {
    kafka::KafkaProducer* kafka = nullptr;  // the process's shared producer
    ProducerOptions options;
};

// A job registered in the database, with the shared producer to send it; or the 503.
std::variant<NewJob, http::HttpResponse> start_job(const ApiServices& services) {
    if (services.uploads == nullptr) return http::problem(503, "uploads are not configured");
    NewJob job;
    int partitions = 0;
    try {
        partitions = services.uploads->trip_partitions();
        job.kafka = &services.uploads->producer();
    } catch (const std::exception& e) {
        services.log.warn(cat("upload: Kafka unavailable: ", e.what()));
        return http::problem(503, "Kafka is unavailable; retry later");
    }
    job.options =
        configured_producer_options(services.config, partitions, new_job_id(), ProducerRun::upload);
    try {
        auto conn = services.pool->acquire();
        register_job(*conn, job_id_to_string(job.options.job_id), "upload");
    } catch (const db::PgError& e) {
        return database_problem(services, "upload", e);
    }
    return job;
}

// The answer once the body is produced: 202, or why the job failed.
http::HttpResponse finished(const ApiServices& services, const ProducerSummary& summary,
                            const UploadBody& upload) {
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
    if (upload.too_slow()) {
        return http::problem(
            408, "the body arrived too slowly; job " + summary.job_id + " is marked failed");
    }
    if (!summary.ok()) {
        return http::problem(503, "job " + summary.job_id + " failed: " + summary.error);
    }
    http::HttpResponse response = http::HttpResponse::json(202, accepted_json(summary).dump());
    response.headers.emplace_back("Location", "/v1/ingestions/" + summary.job_id);
    return response;
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
    auto job = start_job(services);
    if (auto* problem = std::get_if<http::HttpResponse>(&job)) return std::move(*problem);
    auto& [kafka, options] = std::get<NewJob>(job);
    TripProducer producer(*kafka, options);
    static const std::atomic<bool> never{false};
    const ProducerSummary summary =
        producer.run(*source, services.stopping != nullptr ? *services.stopping : never);
    return finished(services, summary, upload);
}

}  // namespace tripstream::api
