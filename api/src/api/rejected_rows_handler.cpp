#include "tripstream/api/rejected_rows_handler.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/status/rejected_rows.hpp"
#include "tripstream/status/status_reader.hpp"

namespace tripstream::api {
namespace {

// A whole decimal number in [min, max], or nullopt.
std::optional<int64_t> parse_integer(const std::string& text, int64_t min, int64_t max) {
    int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max)
        return std::nullopt;
    return value;
}

}  // namespace

http::HttpResponse list_rejected_rows(const ApiServices& services,
                                      const http::HttpRequest& request) {
    const std::string& id = request.path_params.at("id");
    for (const auto& [name, value] : request.query) {
        if (name != "limit" && name != "after")
            return http::problem(400, "unknown parameter '" + name + "'; expected limit, after",
                                 name);
    }
    int64_t limit = status::kDefaultRejectedPage;
    if (const auto text = request.param("limit")) {
        const auto value = parse_integer(*text, 1, status::kMaxRejectedPage);
        if (!value) {
            return http::problem(400,
                                 "limit: expected a whole number from 1 to " +
                                     std::to_string(status::kMaxRejectedPage),
                                 "limit");
        }
        limit = *value;
    }
    std::optional<int64_t> after;
    if (const auto text = request.param("after")) {
        after = parse_integer(*text, 0, INT64_MAX);
        if (!after) {
            return http::problem(
                400,
                "after: expected a rejected_id (a whole number >= 0), e.g. the last page's next",
                "after");
        }
    }
    status::RejectedPage page;
    try {
        auto conn = services.pool->acquire();
        page = status::read_rejected_rows(*conn, id, after, static_cast<int>(limit));
    } catch (const status::JobNotFound&) {
        return http::problem(404, "no ingestion job with id '" + id + "'", "id");
    } catch (const std::exception& e) {
        return database_problem(services, "rejected rows", e);
    }
    std::string job_id = id;  // a UUID (read_rejected_rows checked it), lower case as elsewhere
    std::transform(job_id.begin(), job_id.end(), job_id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : page.rows)
        items.push_back(status::to_json(row));
    nlohmann::json next = nullptr;
    nlohmann::json next_url = nullptr;
    if (page.next_after) {
        next = *page.next_after;
        next_url = "/v1/ingestions/" + job_id + "/rejected?limit=" + std::to_string(limit) +
                   "&after=" + std::to_string(*page.next_after);
    }
    const nlohmann::json body = {
        {"job_id", job_id},
        {"limit", limit},
        {"after", after ? nlohmann::json(*after) : nlohmann::json(nullptr)},
        {"items", std::move(items)},
        {"next", next},
        {"next_url", next_url}};
    // Texts come from the database; a stray invalid byte must not fail the answer.
    return http::HttpResponse::json(
        200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace tripstream::api
