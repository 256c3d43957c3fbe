#include "tripstream/http/query_string.hpp"

#include "tripstream/text/hex_digit.hpp"

namespace tripstream::http {
namespace {}  // namespace

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

std::optional<ParsedTarget> parse_target(std::string_view target, std::string& bad) {
    ParsedTarget parsed;
    const size_t question = target.find('?');
    const auto path = percent_decode(target.substr(0, question), false);
    if (!path) {
        bad = "path";
        return std::nullopt;
    }
    parsed.path = *path;
    if (question == std::string_view::npos) return parsed;
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
        const size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        const auto name = percent_decode(pair.substr(0, eq), true);
        const auto value = percent_decode(
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!name || !value) {
            bad = name ? *name : std::string(pair.substr(0, eq));
            return std::nullopt;
        }
        parsed.query[*name] = *value;
    }
    return parsed;
}

}  // namespace tripstream::http
