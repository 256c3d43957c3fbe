#include "tripstream/geo/wkt_point.hpp"

#include <charconv>
#include <cmath>

#include "tripstream/text/utf8.hpp"

namespace tripstream {
namespace {

constexpr size_t kExcerpt = 60;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void skip_spaces(std::string_view& s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
}

bool parse_number(std::string_view& s, double& out) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, out);
    if (ec != std::errc{} || !std::isfinite(out)) return false;
    s.remove_prefix(static_cast<size_t>(ptr - s.data()));
    return true;
}

bool fail(std::string_view text, std::string& reason) {
    reason = "expected 'POINT (lon lat)', got '";
    reason.append(sanitized_excerpt(text, kExcerpt));
    reason.push_back('\'');
    return false;
}

std::string shortest(double v) {
    char buf[32];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, ptr);
}

}  // namespace

bool parse_wkt_point(std::string_view text, GeoPoint& out, std::string& reason) {
    std::string_view s = text;
    skip_spaces(s);
    static constexpr std::string_view kPoint = "point";
    if (s.size() < kPoint.size()) return fail(text, reason);
    for (size_t i = 0; i < kPoint.size(); ++i) {
        if ((s[i] | 0x20) != kPoint[i]) return fail(text, reason);
    }
    s.remove_prefix(kPoint.size());
    skip_spaces(s);
    if (s.empty() || s.front() != '(') return fail(text, reason);
    s.remove_prefix(1);
    skip_spaces(s);
    if (!parse_number(s, out.lon)) return fail(text, reason);
    if (s.empty() || !is_space(s.front())) return fail(text, reason);
    skip_spaces(s);
    if (!parse_number(s, out.lat)) return fail(text, reason);
    skip_spaces(s);
    if (s.empty() || s.front() != ')') return fail(text, reason);
    s.remove_prefix(1);
    skip_spaces(s);
    if (!s.empty()) return fail(text, reason);
    return true;
}

bool validate_point(const GeoPoint& p, std::string& reason) {
    if (!std::isfinite(p.lon)) {
        reason = "longitude " + shortest(p.lon) + " is not a finite number";
        return false;
    }
    if (!std::isfinite(p.lat)) {
        reason = "latitude " + shortest(p.lat) + " is not a finite number";
        return false;
    }
    if (p.lon < -180.0 || p.lon > 180.0) {
        reason = "longitude " + shortest(p.lon) + " out of range [-180, 180]";
        return false;
    }
    if (p.lat < -90.0 || p.lat > 90.0) {
        reason = "latitude " + shortest(p.lat) + " out of range [-90, 90]";
        return false;
    }
    return true;
}

void append_wkt_point(std::string& out, const GeoPoint& p) {
    char buf[80];
    char* c = buf;
    for (const char ch : std::string_view("POINT ("))
        *c++ = ch;
    c = std::to_chars(c, buf + sizeof buf, p.lon).ptr;
    *c++ = ' ';
    c = std::to_chars(c, buf + sizeof buf, p.lat).ptr;
    *c++ = ')';
    out.append(buf, c);
}

}  // namespace tripstream
