// Query strings and percent-encoding (RFC 3986; '+' is a space, as HTML forms send it).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tripstream::http {

// Decodes %XX escapes (and '+' when `plus_is_space`); nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

struct ParsedTarget {
    std::string path;
    std::map<std::string, std::string> query;
};

// Splits "/path?a=1&b=2" and decodes both parts. On a malformed escape returns nullopt and
// names the offending parameter (or "path") in `bad`.
std::optional<ParsedTarget> parse_target(std::string_view target, std::string& bad);

}  // namespace tripstream::http
