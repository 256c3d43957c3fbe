#include "tripstream/api/database_problem.hpp"

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/http/problem.hpp"

namespace tripstream::api {
namespace {

bool cancelled(const std::exception& error) {
    const auto* pg = dynamic_cast<const db::PgError*>(&error);
    return pg != nullptr && pg->cancelled();
}

}  // namespace

http::HttpResponse database_problem(const ApiServices& services, std::string_view what,
                                    const std::exception& error) {
    http::HttpResponse response;
    if (cancelled(error)) {
        services.log.warn(cat(what, ": query cancelled: ", error.what()));
        response =
            http::problem(503, "the query took longer than " +
                                   std::to_string(services.config.api.statement_timeout_ms) +
                                   " ms (STATEMENT_TIMEOUT_MS) and was cancelled; retry later");
    } else {
        services.log.warn(cat(what, ": database unavailable: ", error.what()));
        response = http::problem(503, "the database is unavailable; retry later");
    }
    response.headers.emplace_back("Retry-After", "1");
    return response;
}

}  // namespace tripstream::api
