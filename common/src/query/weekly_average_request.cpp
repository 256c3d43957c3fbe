#include "tripstream/query/weekly_average_request.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include "tripstream/query/iso_date.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

constexpr std::array<std::string_view, 4> kMatchNames{"origin", "destination", "both", "any"};

// Strict decimal number: no spaces, no "inf"/"nan", nothing after it.
std::optional<double> parse_number(std::string_view s) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double value = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> check_range(std::string_view name, double v, double limit) {
    if (v >= -limit && v <= limit) return std::nullopt;
    return std::string(name) + " must be within [-" + std::to_string(static_cast<int>(limit)) +
           ", " + std::to_string(static_cast<int>(limit)) + "]";
}

}  // namespace

std::variant<GeoBox, std::string> parse_bbox(std::string_view text) {
    static constexpr std::array<std::string_view, 4> kNames{"minLon", "minLat", "maxLon", "maxLat"};
    std::array<double, 4> v{};
    for (size_t i = 0; i < v.size(); ++i) {
        const size_t comma = i + 1 < v.size() ? text.find(',') : text.size();
        if (comma == std::string_view::npos)
            return std::string("expected minLon,minLat,maxLon,maxLat");
        const auto number = parse_number(text.substr(0, comma));
        if (!number) return std::string(kNames[i]) + " is not a number";
        v[i] = *number;
        text.remove_prefix(std::min(comma + 1, text.size()));
    }
    for (size_t i = 0; i < v.size(); ++i) {
        if (auto bad = check_range(kNames[i], v[i], i % 2 == 0 ? 180.0 : 90.0)) return *bad;
    }
    if (v[0] > v[2]) return std::string("minLon is greater than maxLon");
    if (v[1] > v[3]) return std::string("minLat is greater than maxLat");
    return GeoBox{v[0], v[1], v[2], v[3]};
}

namespace {

// A corner "lon,lat" of the p1/p2 form, or the message explaining what is wrong with it.
std::variant<GeoPoint, std::string> parse_corner(std::string_view text) {
    const size_t comma = text.find(',');
    if (comma == std::string_view::npos) return std::string("expected lon,lat");
    const auto lon = parse_number(text.substr(0, comma));
    const auto lat = parse_number(text.substr(comma + 1));
    if (!lon) return std::string("longitude is not a number");
    if (!lat) return std::string("latitude is not a number");
    if (auto bad = check_range("longitude", *lon, 180.0)) return *bad;
    if (auto bad = check_range("latitude", *lat, 90.0)) return *bad;
    return GeoPoint{*lon, *lat};
}

ParameterError error(std::string parameter, std::string message) {
    return {std::move(parameter), std::move(message)};
}

std::optional<ParameterError> parse_date(const std::optional<std::string>& text, const char* name,
                                         std::optional<int64_t>& out) {
    if (!text) return std::nullopt;
    out = parse_iso_date(*text);
    if (!out) return error(name, "expected a date YYYY-MM-DD, got '" + text->substr(0, 40) + "'");
    return std::nullopt;
}

std::optional<ParameterError> check_range_order(const std::optional<int64_t>& from_days,
                                                const std::optional<int64_t>& to_days) {
    if (!from_days || !to_days) return std::nullopt;
    if (*from_days > *to_days) {
        return error("from", "from (" + format_date(*from_days) + ") is after to (" +
                                 format_date(*to_days) + ")");
    }
    const int64_t weeks = (iso_week_start(*to_days) - iso_week_start(*from_days)) / 7 + 1;
    if (weeks > kMaxWeeks) {
        return error("to", "the range spans " + std::to_string(weeks) + " weeks, at most " +
                               std::to_string(kMaxWeeks) + " are allowed");
    }
    return std::nullopt;
}

}  // namespace

std::optional<ParameterError> parse_week_range(const std::optional<std::string>& from,
                                               const std::optional<std::string>& to,
                                               std::optional<int64_t>& from_days,
                                               std::optional<int64_t>& to_days) {
    if (auto e = parse_date(from, "from", from_days)) return e;
    if (auto e = parse_date(to, "to", to_days)) return e;
    return check_range_order(from_days, to_days);
}

std::optional<Match> parse_match(std::string_view text) {
    for (size_t i = 0; i < kMatchNames.size(); ++i) {
        if (kMatchNames[i] == text) return static_cast<Match>(i);
    }
    return std::nullopt;
}

std::string_view match_name(Match match) {
    return kMatchNames[static_cast<size_t>(match)];
}

ParsedRequest parse_weekly_average_request(const WeeklyAverageParams& params) {
    WeeklyAverageRequest r;
    if (params.region) {
        if (params.region->empty()) return error("region", "must not be empty");
        r.region = params.region;
    }
    if (params.bbox) {
        auto box = parse_bbox(*params.bbox);
        if (auto* message = std::get_if<std::string>(&box)) return error("bbox", *message);
        r.bbox = std::get<GeoBox>(box);
    }
    if (params.p1 || params.p2) {
        if (params.bbox) return error("p1", "give either bbox or p1 and p2, not both");
        if (!params.p1 || !params.p2) {
            return error(params.p1 ? "p2" : "p1", "p1 and p2 (two opposite corners) go together");
        }
        auto a = parse_corner(*params.p1);
        if (auto* message = std::get_if<std::string>(&a)) return error("p1", *message);
        auto b = parse_corner(*params.p2);
        if (auto* message = std::get_if<std::string>(&b)) return error("p2", *message);
        const GeoPoint pa = std::get<GeoPoint>(a);
        const GeoPoint pb = std::get<GeoPoint>(b);
        r.bbox = GeoBox{std::min(pa.lon, pb.lon), std::min(pa.lat, pb.lat),
                        std::max(pa.lon, pb.lon), std::max(pa.lat, pb.lat)};
    }
    if (!r.region && !r.bbox) return error("region", "give region, bbox (or p1 and p2) or both");
    if (auto e = parse_week_range(params.from, params.to, r.from_days, r.to_days)) return *e;
    if (params.match) {
        const auto match = parse_match(*params.match);
        if (!match) return error("match", "expected origin, destination, both or any");
        r.match = *match;
    }
    return r;
}

}  // namespace tripstream::query
