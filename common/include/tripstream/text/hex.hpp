// Hexadecimal encoding of bytes: job ids (UUIDs), excerpts of binary messages, \xNN escapes.
// Decoding of single digits is in hex_digit.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tripstream {

// Appends the two hex digits of `byte` (lower case unless `upper`).
inline void append_hex_byte(std::string& out, unsigned char byte, bool upper = false) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0xF]);
}

// Appends two lower-case hex digits per byte.
inline void append_hex(std::string& out, const uint8_t* data, size_t size) {
    out.reserve(out.size() + 2 * size);
    for (size_t i = 0; i < size; ++i)
        append_hex_byte(out, data[i]);
}

inline void append_hex(std::string& out, std::string_view bytes) {
    append_hex(out, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

inline std::string to_hex(std::string_view bytes) {
    std::string out;
    append_hex(out, bytes);
    return out;
}

// "hex:" and the hex digits of at most the first `max_bytes` bytes, then "..." when the
// input was longer: a printable excerpt of a binary message.
inline std::string hex_excerpt(std::string_view bytes, size_t max_bytes) {
    const size_t n = bytes.size() < max_bytes ? bytes.size() : max_bytes;
    std::string out = "hex:";
    append_hex(out, bytes.substr(0, n));
    if (bytes.size() > n) out += "...";
    return out;
}

}  // namespace tripstream
