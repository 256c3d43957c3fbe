#include "tripstream/api/cell_handlers.hpp"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/api/weekly_average_handler.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/query/cell_counts_sql.hpp"
#include "tripstream/query/coarse_grid.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::api {
namespace {

constexpr std::array<std::string_view, 6> kCellParameters = {"region", "from", "to",
                                                             "end",    "step", "bbox"};

// Shortest round-trip digits ("14.35", "-180"); integers as integers.
template <typename Number>
void append_number(std::string& out, Number value) {
    std::array<char, 32> buffer{};
    const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
    out.append(buffer.data(), end);
}

nlohmann::json box_json(const std::optional<GeoBox>& box) {
    if (!box) return nullptr;
    return {box->min_lon, box->min_lat, box->max_lon, box->max_lat};
}

http::HttpResponse answered(std::string body, const char* engine, double stale_since) {
    http::HttpResponse response = http::HttpResponse::json(200, std::move(body));
    response.headers.emplace_back("X-Tripstream-Engine", engine);
    add_index_state(response, stale_since);
    return response;
}

}  // namespace

std::string cell_counts_json(const query::CellCountsResult& r) {
    const auto date = [](const std::optional<int64_t>& days) {
        return days ? nlohmann::json(format_date(*days)) : nlohmann::json(nullptr);
    };
    const query::CoarseGrid grid(r.request.step);
    const nlohmann::json head = {
        {"region", r.request.region ? nlohmann::json(*r.request.region) : nlohmann::json(nullptr)},
        {"end", std::string(query::cell_end_name(r.request.end))},
        {"from", date(r.from_days)},
        {"to", date(r.to_days)},
        {"step", r.request.step},
        {"bbox", box_json(r.request.bbox)},
        {"cell_degrees", grid.degrees()},
        {"total_trips", r.total_trips},
        {"max_count", r.max_count}};
    std::string out = head.dump();
    out.pop_back();  // the closing brace: the cells follow
    out.reserve(out.size() + r.cells.size() * 24 + 16);
    out += ",\"cells\":[";
    for (size_t i = 0; i < r.cells.size(); ++i) {
        const query::CellBlock& b = r.cells[i];
        out += i == 0 ? "[" : ",[";
        append_number(out, grid.west(b.column));
        out.push_back(',');
        append_number(out, grid.south(b.row));
        out.push_back(',');
        append_number(out, b.trips);
        out.push_back(']');
    }
    out += "]}";
    return out;
}

http::HttpResponse trip_cells(const ApiServices& services, const http::HttpRequest& request) {
    if (auto bad = http::unknown_parameter_problem(request, kCellParameters)) return *bad;
    const auto parsed = query::parse_cell_counts_request(
        {request.param("region"), request.param("from"), request.param("to"), request.param("end"),
         request.param("step"), request.param("bbox")});
    if (const auto* bad = std::get_if<query::ParameterError>(&parsed)) {
        return http::problem(400, bad->parameter + ": " + bad->message, bad->parameter);
    }
    const auto& req = std::get<query::CellCountsRequest>(parsed);
    try {
        if (services.fast_cell_counts) {
            if (const auto view = services.fast_cell_counts()) {
                return answered(cell_counts_json(view->counts->cells(req)), "index",
                                view->stale_since_unix_seconds);
            }
        }
        auto conn = services.pool->acquire();
        return answered(cell_counts_json(query::cell_counts(*conn, req)), "database", 0);
    } catch (const query::RequestError& e) {
        return http::problem(400, e.what(), e.error().parameter);
    } catch (const db::PgError& e) {
        return database_problem(services, "trip cells", e);
    }
}

http::HttpResponse list_regions(const ApiServices& services, const http::HttpRequest& request) {
    if (auto bad = http::unknown_parameter_problem(request, {})) return *bad;
    const auto json = [](const std::vector<query::RegionSummary>& regions) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : regions)
            list.push_back({{"name", r.name}, {"trips", r.trips}, {"bbox", box_json(r.bbox)}});
        return nlohmann::json{{"regions", std::move(list)}}.dump();
    };
    try {
        if (services.fast_cell_counts) {
            if (const auto view = services.fast_cell_counts())
                return answered(json(view->counts->regions()), "index",
                                view->stale_since_unix_seconds);
        }
        auto conn = services.pool->acquire();
        return answered(json(query::region_summaries(*conn)), "database", 0);
    } catch (const db::PgError& e) {
        return database_problem(services, "regions", e);
    }
}

}  // namespace tripstream::api
