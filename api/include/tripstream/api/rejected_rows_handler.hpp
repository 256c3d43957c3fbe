// GET /v1/ingestions/{id}/rejected: the rows of one job that could not be stored, page by page
// (keyset pagination on rejected_id: `limit`, `after`, and the `next` cursor in the answer).
// Fields and parameters: docs/api.md; the reader is status::read_rejected_rows.
#pragma once

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

http::HttpResponse list_rejected_rows(const ApiServices& services,
                                      const http::HttpRequest& request);

}  // namespace tripstream::api
