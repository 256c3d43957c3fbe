// Removing the blanks around a CSV field or a header name.
#pragma once

#include <string_view>

namespace tripstream {

// `s` without leading and trailing spaces and tabs (only those: any other character, a
// line break included, is content and is left for validation to judge).
constexpr std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace tripstream
