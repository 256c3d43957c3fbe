// Request targets and percent-encoding (RFC 3986; '+' is a space in the query, as HTML forms
// send it). parse_target is strict: whatever it accepts is a path and parameters a handler can
// treat as text without further checks (see docs/api.md, "Errors").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tripstream::http {

// Decodes %XX escapes (and '+' when `plus_is_space`); nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

struct ParsedTarget {
    std::string path;                          // decoded
    std::map<std::string, std::string> query;  // decoded; each name at most once
};

// Why a target was refused: `parameter` names the query parameter at fault (sanitized, so
// it may be echoed), or is "path" (or "query" for a parameter without a name); `detail` is
// human text. Both are valid UTF-8.
struct TargetError {
    std::string parameter;
    std::string detail;
};

// Splits "/path?a=1&b=2" (origin-form, already checked for raw bytes by the caller) and
// decodes both parts. Refuses, filling `error`: a malformed escape; a decoded path or name or
// value that is not well-formed UTF-8 or holds a control character (NUL, C0, DEL, C1); a
// path segment "." or ".." (traversal); a parameter named twice; a parameter with an empty
// name ("=x"). Empty pairs ("a=1&&b=2", a trailing '&') are ignored, as browsers send them.
std::optional<ParsedTarget> parse_target(std::string_view target, TargetError& error);

}  // namespace tripstream::http
