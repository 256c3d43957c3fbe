// The weekly-average question (GET /v1/trips/weekly-average): which trips (a region, a
// bounding box or both; which end of the trip must lie in the box) over which ISO weeks.
// Parsing turns the raw query-string values into a checked request or names the parameter
// that is wrong, so the HTTP layer only maps ParameterError to a 400 response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tripstream/geo/grid_cell.hpp"

namespace tripstream::query {

// Which end of a trip must lie in the box.
enum class Match { origin, destination, both, any };

std::optional<Match> parse_match(std::string_view text);
std::string_view match_name(Match match);

struct WeeklyAverageRequest {
    // Default member initializers let callers name only the fields they set
    // ({.region = "Prague"}) without -Wmissing-field-initializers.
    std::optional<std::string> region = std::nullopt;  // region name
    std::optional<GeoBox> bbox = std::nullopt;         // edges included
    std::optional<int64_t> from_days = std::nullopt;   // days since the epoch; its ISO week
    std::optional<int64_t> to_days = std::nullopt;     // inclusive; widened to its ISO week
    Match match = Match::both;
};

// The query-string values as received; nullopt when the parameter is absent.
struct WeeklyAverageParams {
    std::optional<std::string> region;
    std::optional<std::string> bbox;  // "minLon,minLat,maxLon,maxLat"
    // The original system's form of the box: two opposite corners "lon,lat", in any order.
    std::optional<std::string> p1;
    std::optional<std::string> p2;
    std::optional<std::string> from;  // "YYYY-MM-DD"
    std::optional<std::string> to;
    std::optional<std::string> match;
};

struct ParameterError {
    std::string parameter;  // the query-string name, e.g. "bbox"
    std::string message;
};

// A from..to range longer than this is refused: the response lists every week.
inline constexpr int64_t kMaxWeeks = 1044;  // 20 years

// The box of a "minLon,minLat,maxLon,maxLat" parameter (longitudes in [-180, 180],
// latitudes in [-90, 90], min <= max), or the message saying what is wrong with it. Shared
// by every route that takes a bbox, so that they accept and refuse the same boxes.
std::variant<GeoBox, std::string> parse_bbox(std::string_view text);

// The from/to parameters ("YYYY-MM-DD", each optional) as days since the epoch: valid dates,
// from not after to, at most kMaxWeeks ISO weeks apart; otherwise the error naming the
// parameter. Shared by every route that takes a week range.
std::optional<ParameterError> parse_week_range(const std::optional<std::string>& from,
                                               const std::optional<std::string>& to,
                                               std::optional<int64_t>& from_days,
                                               std::optional<int64_t>& to_days);

using ParsedRequest = std::variant<WeeklyAverageRequest, ParameterError>;

ParsedRequest parse_weekly_average_request(const WeeklyAverageParams& params);

}  // namespace tripstream::query
