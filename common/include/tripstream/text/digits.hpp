// Fixed-width decimal digits, as in dates and times ("2018-05-28 09:03:40").
#pragma once

#include <cstddef>
#include <string_view>

namespace tripstream {

// The value of exactly `width` ASCII digits at s[pos, pos + width) (width at most 9), or
// -1 when the text is too short or any of them is not a digit (signs and spaces included).
constexpr int fixed_digits(std::string_view s, size_t pos, size_t width) {
    if (pos > s.size() || width > s.size() - pos || width > 9) return -1;
    int value = 0;
    for (size_t i = pos; i < pos + width; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

}  // namespace tripstream
