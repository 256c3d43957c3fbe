#include "tripstream/api/health_handlers.hpp"

#include <nlohmann/json.hpp>

#include "tripstream/kafka/kafka_admin.hpp"

namespace tripstream::api {
namespace {

// "ok" or the reason the dependency is not usable.
std::string check_database(const ApiServices& services) {
    try {
        auto conn = services.pool->acquire();
        conn->exec("SELECT 1");
        return "ok";
    } catch (const std::exception& e) {
        return e.what();
    }
}

std::string check_kafka(const ApiServices& services) {
    try {
        kafka::KafkaAdmin admin(services.config.kafka.bootstrap_servers);
        admin.partition_count(services.config.kafka.topic, std::chrono::seconds(2));
        return "ok";
    } catch (const std::exception& e) {
        return e.what();
    }
}

}  // namespace

http::HttpResponse healthz() {
    return http::HttpResponse::json(200, R"({"status":"ok"})");
}

http::HttpResponse readyz(const ApiServices& services) {
    const std::string database = check_database(services);
    const std::string kafka = check_kafka(services);
    const bool ready = database == "ok" && kafka == "ok";
    const nlohmann::json body = {
        {"status", ready ? "ready" : "not ready"}, {"database", database}, {"kafka", kafka}};
    return http::HttpResponse::json(ready ? 200 : 503, body.dump());
}

http::HttpResponse metrics(const ApiServices& services) {
    std::string text = services.metrics->render();
    if (services.extra_metrics) text += services.extra_metrics();
    return http::HttpResponse::text(200, "text/plain; version=0.0.4; charset=utf-8",
                                    std::move(text));
}

}  // namespace tripstream::api
