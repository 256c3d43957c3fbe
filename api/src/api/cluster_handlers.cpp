#include "tripstream/api/cluster_handlers.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include "tripstream/api/database_problem.hpp"
#include "tripstream/csv/trip_row_parser.hpp"
#include "tripstream/geo/wkt_point.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/time/datetime_parser.hpp"

namespace tripstream::api {
namespace {

constexpr size_t kMaxPredictTrips = 10'000;

http::HttpResponse no_model() {
    return http::problem(503, "no k-means model is loaded (set MODEL_PATH and restart the API)");
}

std::string clock_time(double seconds) {
    // Non-negative, so both fields have exactly two digits.
    const int minutes = ((static_cast<int>(std::lround(seconds / 60.0)) % 1440) + 1440) % 1440;
    char text[16];
    std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60, minutes % 60);
    return text;
}

// Stored trips per cluster id for one region, all weeks.
std::map<int, int64_t> stored_counts(const ApiServices& services, const std::string& region) {
    std::map<int, int64_t> counts;
    auto conn = services.pool->acquire();
    const db::PgResult r = conn->exec(
        "SELECT c.cluster_id, sum(c.trips)::bigint FROM tripstream.trip_cluster_counts c"
        " JOIN tripstream.regions g USING (region_id) WHERE g.name = $1 GROUP BY c.cluster_id",
        {region});
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        counts[std::stoi(PQgetvalue(r.get(), i, 0))] = std::stoll(PQgetvalue(r.get(), i, 1));
    }
    return counts;
}

nlohmann::json point_json(const GeoPoint& p) {
    return {{"lon", p.lon}, {"lat", p.lat}};
}

nlohmann::json region_json(const ApiServices& services, const kmeans::RegionModel& region) {
    const auto counts = stored_counts(services, region.name);
    nlohmann::json clusters = nlohmann::json::array();
    for (const auto& c : region.clusters) {
        const auto stored = counts.find(c.id);
        clusters.push_back({{"id", c.id},
                            {"origin", point_json(c.origin)},
                            {"destination", point_json(c.destination)},
                            {"typical_time", clock_time(c.typical_seconds)},
                            {"time_concentration", c.time_concentration},
                            {"description", c.description},
                            {"training_trips", c.size},
                            {"trips", stored == counts.end() ? 0 : stored->second}});
    }
    int64_t unclustered = 0;
    if (const auto it = counts.find(-1); it != counts.end()) unclustered = it->second;
    return {{"region", region.name},
            {"k", region.k()},
            {"clusters", std::move(clusters)},
            {"unclustered_trips", unclustered}};
}

// The JSON field a validation error is about ("bad_origin_coord" -> "origin").
std::string field_of(const RowError& error) {
    if (error.code == reject::kBadOrigin) return "origin";
    if (error.code == reject::kBadDestination) return "destination";
    if (error.code == reject::kBadDatetime) return "datetime";
    if (error.code == reject::kBadRegion) return "region";
    return "trip";
}

// A point given as [lon, lat] or as WKT "POINT (lon lat)".
bool point_from_json(const nlohmann::json& value, GeoPoint& out, std::string& reason) {
    if (value.is_array() && value.size() == 2 && value[0].is_number() && value[1].is_number()) {
        out = {value[0].get<double>(), value[1].get<double>()};
        return true;
    }
    if (value.is_string()) return parse_wkt_point(value.get<std::string>(), out, reason);
    reason = "expected [lon, lat] or \"POINT (lon lat)\"";
    return false;
}

// The trip at `where`, or the problem naming the field at fault.
std::optional<http::HttpResponse> trip_from_json(const nlohmann::json& item,
                                                 const std::string& where, Trip& trip) {
    auto bad = [&](const std::string& field, const std::string& why) {
        return http::problem(400, where + "." + field + ": " + why, where + "." + field);
    };
    if (!item.is_object()) return http::problem(400, where + ": expected an object", where);
    if (!item.contains("region") || !item["region"].is_string())
        return bad("region", "expected a string");
    trip.region = item["region"].get<std::string>();
    std::string reason;
    for (const char* end : {"origin", "destination"}) {
        GeoPoint& p = std::string_view(end) == "origin" ? trip.origin : trip.destination;
        if (!item.contains(end) || !point_from_json(item[end], p, reason))
            return bad(end, reason.empty() ? "missing" : reason);
    }
    if (!item.contains("datetime") || !item["datetime"].is_string())
        return bad("datetime", "expected \"YYYY-MM-DD HH:MM:SS\"");
    if (!parse_datetime(item["datetime"].get<std::string>(), trip.time_us, reason))
        return bad("datetime", reason);
    trip.datasource = "api";
    RowError error;
    if (!validate_trip(trip, error)) return bad(field_of(error), error.reason());
    return std::nullopt;
}

}  // namespace

http::HttpResponse list_clusters(const ApiServices& services, const http::HttpRequest& request) {
    if (!services.model) return no_model();
    const auto wanted = request.param("region");
    nlohmann::json regions = nlohmann::json::array();
    try {
        for (const auto& region : services.model->regions()) {
            if (!wanted || *wanted == region.name) regions.push_back(region_json(services, region));
        }
    } catch (const db::PgError& e) {
        return database_problem(services, "clusters", e);
    }
    if (wanted && regions.empty()) {
        return http::problem(400, "region '" + *wanted + "' is not in the model", "region");
    }
    const nlohmann::json body = {{"model_version", services.model->version()},
                                 {"created_at", services.model->created_at()},
                                 {"regions", std::move(regions)}};
    return http::HttpResponse::json(200, body.dump());
}

http::HttpResponse predict_clusters(const ApiServices& services, const std::string& body) {
    if (!services.model) return no_model();
    const nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded()) return http::problem(400, "the body is not valid JSON", "body");
    const nlohmann::json& trips =
        document.is_object() && document.contains("trips") ? document["trips"] : document;
    if (!trips.is_array()) {
        return http::problem(400, "expected {\"trips\": [...]} or an array of trips", "trips");
    }
    if (trips.size() > kMaxPredictTrips) {
        return http::problem(400, "at most " + std::to_string(kMaxPredictTrips) + " trips per call",
                             "trips");
    }
    nlohmann::json clusters = nlohmann::json::array();
    Trip trip;
    for (size_t i = 0; i < trips.size(); ++i) {
        if (auto bad = trip_from_json(trips[i], "trips[" + std::to_string(i) + "]", trip))
            return *bad;
        const auto cluster = services.model->assign(trip);
        clusters.push_back(cluster ? nlohmann::json(*cluster) : nlohmann::json(nullptr));
    }
    const nlohmann::json out = {{"model_version", services.model->version()},
                                {"clusters", std::move(clusters)}};
    return http::HttpResponse::json(200, out.dump());
}

}  // namespace tripstream::api
