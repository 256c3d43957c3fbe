#include "tripstream/http/query_string.hpp"

#include "tripstream/text/hex_digit.hpp"
#include "tripstream/text/utf8.hpp"

namespace tripstream::http {
namespace {

// Names are echoed in problem details and logs: printable UTF-8, and short.
constexpr size_t kShownBytes = 64;

std::string shown(std::string_view bytes) {
    return sanitized_excerpt(bytes, kShownBytes);
}

TargetError refuse(std::string parameter, std::string detail) {
    return TargetError{std::move(parameter), std::move(detail)};
}

// Handlers compare, store and print parameters as text: a NUL would truncate them in C APIs
// and PostgreSQL, invalid UTF-8 breaks JSON, control characters forge log lines.
std::optional<std::string> text_problem(std::string_view decoded) {
    const auto problem = find_text_problem(decoded);
    if (!problem) return std::nullopt;
    return problem->describe();
}

// "." and ".." segments would let "/docs/../x" reach a file outside the route's folder; no
// route has them, so a client that sends them is refused rather than normalised.
bool has_dot_segment(std::string_view path) {
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const std::string_view segment = path.substr(start, slash - start);
        if (segment == "." || segment == "..") return true;
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return false;
}

std::optional<TargetError> decode_path(std::string_view raw, std::string& path) {
    const auto decoded = percent_decode(raw, false);
    if (!decoded) return refuse("path", "malformed percent-encoding in the path");
    if (const auto problem = text_problem(*decoded)) return refuse("path", "path: " + *problem);
    if (has_dot_segment(*decoded)) return refuse("path", "path has a '.' or '..' segment");
    path = *decoded;
    return std::nullopt;
}

// One "name=value" pair into `query`.
std::optional<TargetError> decode_pair(std::string_view pair,
                                       std::map<std::string, std::string>& query) {
    const size_t eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    const auto name = percent_decode(raw_name, true);
    if (!name) return refuse(shown(raw_name), "malformed percent-encoding in " + shown(raw_name));
    if (name->empty()) return refuse("query", "query parameter with an empty name");
    if (const auto problem = text_problem(*name)) {
        return refuse(shown(*name), "query parameter name " + shown(*name) + ": " + *problem);
    }
    const std::string label = shown(*name);
    const auto value = percent_decode(raw_value, true);
    if (!value) return refuse(label, "malformed percent-encoding in " + label);
    if (const auto problem = text_problem(*value)) return refuse(label, label + ": " + *problem);
    // Which of two values a handler would take is an accident of the parser; a cache or a
    // proxy in front may have taken the other one. Refusing both is the only safe reading.
    if (!query.emplace(*name, *value).second) {
        return refuse(label, "query parameter " + label + " is given more than once");
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else if (c == '%') {
            const int hi = i + 1 < text.size() ? hex_digit_value(text[i + 1]) : -1;
            const int lo = i + 2 < text.size() ? hex_digit_value(text[i + 2]) : -1;
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<ParsedTarget> parse_target(std::string_view target, TargetError& error) {
    ParsedTarget parsed;
    const size_t question = target.find('?');
    if (auto bad = decode_path(target.substr(0, question), parsed.path)) {
        error = std::move(*bad);
        return std::nullopt;
    }
    if (question == std::string_view::npos) return parsed;
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
        const size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        if (auto bad = decode_pair(pair, parsed.query)) {
            error = std::move(*bad);
            return std::nullopt;
        }
    }
    return parsed;
}

}  // namespace tripstream::http
