// The ingestion status: snapshots (GET /v1/ingestion/status, GET /v1/ingestions/{id}) and
// their Server-Sent Event streams (…/events), pushed from the StatusHub when the consumers
// commit, never polled by the client. Event names and payloads: docs/api.md.
#pragma once

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

http::HttpResponse ingestion_status(const ApiServices& services, const http::HttpRequest& request);
http::HttpResponse job_status(const ApiServices& services, const http::HttpRequest& request);

// Event streams (the response's `events` feed, status_feeds.hpp): until the client leaves or
// the server stops (ingestion_events), or until the job's final `completed` or `failed`
// event (job_events). Unknown job: 404 before any stream.
http::HttpResponse ingestion_events(const ApiServices& services);
http::HttpResponse job_events(const ApiServices& services, const http::HttpRequest& request);

}  // namespace tripstream::api
