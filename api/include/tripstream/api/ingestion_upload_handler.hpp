// POST /v1/ingestions: a CSV body becomes a new ingestion job. The body is parsed and
// produced to Kafka as it arrives (never held whole in memory), exactly as
// tripstream-producer would produce a file; the answer (202) names the job and where to
// follow it. The consumers then store it like any other job.
#pragma once

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

http::HttpResponse create_ingestion(const ApiServices& services, http::HttpExchange& exchange);

}  // namespace tripstream::api
