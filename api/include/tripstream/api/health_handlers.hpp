// Liveness, readiness and metrics: GET /healthz (the process answers), GET /readyz (the
// database and Kafka answered the readiness probe's last checks), GET /metrics (Prometheus
// text).
#pragma once

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

http::HttpResponse healthz();
http::HttpResponse readyz(const ApiServices& services);
http::HttpResponse metrics(const ApiServices& services);

}  // namespace tripstream::api
