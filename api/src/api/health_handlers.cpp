#include "tripstream/api/health_handlers.hpp"

#include <nlohmann/json.hpp>

#include "tripstream/api/readiness_probe.hpp"

namespace tripstream::api {

http::HttpResponse healthz() {
    return http::HttpResponse::json(200, R"({"status":"ok"})");
}

// The probe's last results, never a check of its own: a call costs the same whatever the
// dependencies do, and says nothing but fixed words (no host, user or error text).
http::HttpResponse readyz(const ApiServices& services) {
    ReadinessReport report;
    if (services.readiness != nullptr) report = services.readiness->report();
    nlohmann::json body = {{"status", report.ready ? "ready" : "not ready"}};
    for (const auto& dependency : report.dependencies)
        body[dependency.name] = dependency.result;
    body["checked_ms_ago"] =
        report.checked_ms_ago ? nlohmann::json(*report.checked_ms_ago) : nlohmann::json(nullptr);
    http::HttpResponse response = http::HttpResponse::json(report.ready ? 200 : 503, body.dump());
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

http::HttpResponse metrics(const ApiServices& services) {
    std::string text = services.metrics->render();
    if (services.extra_metrics) text += services.extra_metrics();
    return http::HttpResponse::text(200, "text/plain; version=0.0.4; charset=utf-8",
                                    std::move(text));
}

}  // namespace tripstream::api
