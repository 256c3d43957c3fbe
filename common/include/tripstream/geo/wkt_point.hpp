// Parsing of WKT points, "POINT (lon lat)", as they appear in the trips CSV.
#pragma once

#include <string>
#include <string_view>

#include "tripstream/trip.hpp"

namespace tripstream {

// Accepts: case-insensitive POINT, optional whitespace before "(", any whitespace around and
// between the two numbers, decimal or exponent notation, surrounding whitespace.
// On failure returns false and sets `reason` (e.g. "expected 'POINT (lon lat)', got 'x'"); the
// quoted text is a sanitized excerpt (text/utf8.hpp), so the reason is always printable UTF-8.
bool parse_wkt_point(std::string_view text, GeoPoint& out, std::string& reason);

// Checks WGS84 ranges: both numbers finite (NaN and infinities rejected), longitude in
// [-180, 180], latitude in [-90, 90]. Negative zero and subnormal numbers are ordinary values
// within range and are accepted (they round-trip through WKT and the grid unchanged).
bool validate_point(const GeoPoint& p, std::string& reason);

// Appends "POINT (lon lat)" with the shortest decimal form that round-trips.
void append_wkt_point(std::string& out, const GeoPoint& p);

}  // namespace tripstream
