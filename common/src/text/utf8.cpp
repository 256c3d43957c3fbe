#include "tripstream/text/utf8.hpp"

#include <cstdint>
#include <cstring>

#include "tripstream/text/hex.hpp"

namespace tripstream {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// All eight bytes are ASCII (below 0x80).
inline bool ascii_word(uint64_t w) {
    return (w & kHighBits) == 0;
}

// All eight bytes are printable ASCII, 0x20..0x7E. For bytes below 0x80 neither addition
// carries into the next byte: b + 0x60 has its high bit set iff b >= 0x20, and b + 0x01 has
// it set iff b == 0x7F.
inline bool printable_ascii_word(uint64_t w) {
    return (w & kHighBits) == 0 && ((w + 0x6060606060606060ULL) & kHighBits) == kHighBits &&
           ((w + 0x0101010101010101ULL) & kHighBits) == 0;
}

inline bool is_continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

inline bool is_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

inline bool is_blank_control(char32_t cp) {
    return cp >= 0x09 && cp <= 0x0D;  // TAB, LF, VT, FF, CR
}

// Decodes the multi-byte sequence starting at p[0] (a byte >= 0x80), with `n` bytes
// available. On success sets `length` and `cp` and returns true; otherwise sets `issue`.
bool decode_multibyte(const unsigned char* p, size_t n, size_t& length, char32_t& cp,
                      TextIssue& issue) {
    const unsigned char c = p[0];
    if (c < 0xC0) {
        issue = TextIssue::stray_continuation;
        return false;
    }
    if (c < 0xC2) {
        issue = TextIssue::overlong;
        return false;
    }
    if (c >= 0xF8) {
        issue = TextIssue::invalid_byte;
        return false;
    }
    if (c >= 0xF5) {
        issue = TextIssue::too_large;
        return false;
    }
    if (c < 0xE0) {
        length = 2;
        cp = c & 0x1F;
    } else if (c < 0xF0) {
        length = 3;
        cp = c & 0x0F;
    } else {
        length = 4;
        cp = c & 0x07;
    }
    if (n < 2 || !is_continuation(p[1])) {
        issue = TextIssue::truncated;
        return false;
    }
    // The second byte's narrower ranges (table 3-7).
    const unsigned char c1 = p[1];
    if (c == 0xE0 && c1 < 0xA0) {
        issue = TextIssue::overlong;
        return false;
    }
    if (c == 0xED && c1 >= 0xA0) {
        issue = TextIssue::surrogate;
        return false;
    }
    if (c == 0xF0 && c1 < 0x90) {
        issue = TextIssue::overlong;
        return false;
    }
    if (c == 0xF4 && c1 >= 0x90) {
        issue = TextIssue::too_large;
        return false;
    }
    for (size_t k = 1; k < length; ++k) {
        if (k >= n || !is_continuation(p[k])) {
            issue = TextIssue::truncated;
            return false;
        }
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    return true;
}

enum class Mode { utf8, text, text_with_blanks };

std::optional<TextProblem> find_problem(std::string_view bytes, Mode mode) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t n = bytes.size();
    const bool controls = mode != Mode::utf8;
    const auto good_word = [controls](uint64_t w) {
        return controls ? printable_ascii_word(w) : ascii_word(w);
    };
    size_t i = 0;
    for (;;) {
        // Fast path: whole words of plain ASCII, then the tail padded with spaces.
        while (n - i >= 8) {
            uint64_t w;
            std::memcpy(&w, p + i, sizeof w);
            if (!good_word(w)) break;
            i += 8;
        }
        if (i == n) return std::nullopt;
        if (n - i < 8 && n >= 8) {
            // The last eight bytes, overlapping bytes already found good.
            uint64_t w;
            std::memcpy(&w, p + n - 8, sizeof w);
            if (good_word(w)) return std::nullopt;
        } else if (n - i < 8) {
            uint64_t w = 0x2020202020202020ULL;
            for (size_t k = i; k < n; ++k)
                w = (w << 8) | p[k];
            if (good_word(w)) return std::nullopt;
        }
        // Slow path: one character.
        const unsigned char c = p[i];
        if (c < 0x80) {
            if (controls && is_control(c) &&
                !(mode == Mode::text_with_blanks && is_blank_control(c))) {
                return TextProblem{i, TextIssue::control_character, c};
            }
            ++i;
            continue;
        }
        size_t length = 0;
        char32_t cp = 0;
        TextIssue issue{};
        if (!decode_multibyte(p + i, n - i, length, cp, issue)) return TextProblem{i, issue, 0};
        if (controls && is_control(cp)) return TextProblem{i, TextIssue::control_character, cp};
        i += length;
    }
}

void append_escaped_byte(std::string& out, unsigned char c) {
    out.append("\\x");
    append_hex_byte(out, c);
}

// Sanitizes bytes[0..) until the input ends or the next unit would take the input past
// `max_bytes`; returns the number of input bytes consumed.
size_t sanitize_into(std::string& out, std::string_view bytes, size_t max_bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t n = bytes.size() < max_bytes ? bytes.size() : max_bytes;
    size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            if (c == '\\') {
                out.append("\\\\");
            } else if (is_control(c)) {
                append_escaped_byte(out, c);
            } else {
                out.push_back(static_cast<char>(c));
            }
            ++i;
            continue;
        }
        size_t length = 0;
        char32_t cp = 0;
        TextIssue issue{};
        // Decoding looks at the whole input, so that a character cut by `max_bytes` is left
        // out rather than escaped as if it were ill-formed.
        if (!decode_multibyte(p + i, bytes.size() - i, length, cp, issue)) {
            append_escaped_byte(out, c);
            ++i;
            continue;
        }
        if (i + length > n) break;
        if (is_control(cp)) {
            for (size_t k = 0; k < length; ++k)
                append_escaped_byte(out, p[i + k]);
        } else {
            out.append(bytes.data() + i, length);
        }
        i += length;
    }
    return i;
}

}  // namespace

const char* to_string(TextIssue issue) {
    switch (issue) {
        case TextIssue::truncated:
            return "truncated sequence";
        case TextIssue::stray_continuation:
            return "unexpected continuation byte";
        case TextIssue::overlong:
            return "overlong encoding";
        case TextIssue::surrogate:
            return "surrogate code point";
        case TextIssue::too_large:
            return "code point above U+10FFFF";
        case TextIssue::invalid_byte:
            return "invalid byte";
        case TextIssue::control_character:
            return "control character";
    }
    return "invalid text";
}

std::string TextProblem::describe() const {
    std::string out;
    if (issue == TextIssue::control_character) {
        out = "control character U+00";
        append_hex_byte(out, static_cast<unsigned char>(code_point), true);
        out += " at byte " + std::to_string(offset);
        return out;
    }
    out = "invalid UTF-8 at byte " + std::to_string(offset) + " (" + to_string(issue) + ")";
    return out;
}

bool is_printable_ascii(std::string_view bytes) {
    const char* p = bytes.data();
    const size_t n = bytes.size();
    uint64_t w = 0x2020202020202020ULL;  // a short input is padded with spaces
    if (n < 8) {
        std::memcpy(&w, p, n);
        return printable_ascii_word(w);
    }
    for (size_t i = 0; i + 8 <= n; i += 8) {
        std::memcpy(&w, p + i, sizeof w);
        if (!printable_ascii_word(w)) return false;
    }
    std::memcpy(&w, p + n - 8, sizeof w);  // the last eight, overlapping bytes already checked
    return printable_ascii_word(w);
}

std::optional<TextProblem> find_utf8_problem(std::string_view bytes) {
    return find_problem(bytes, Mode::utf8);
}

std::optional<TextProblem> find_text_problem(std::string_view bytes, bool allow_whitespace) {
    return find_problem(bytes, allow_whitespace ? Mode::text_with_blanks : Mode::text);
}

void append_sanitized(std::string& out, std::string_view bytes) {
    sanitize_into(out, bytes, bytes.size());
}

std::string sanitize_text(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    sanitize_into(out, bytes, bytes.size());
    return out;
}

std::string sanitized_excerpt(std::string_view bytes, size_t max_bytes) {
    std::string out;
    out.reserve(bytes.size() < max_bytes ? bytes.size() : max_bytes);
    const size_t consumed = sanitize_into(out, bytes, max_bytes);
    if (consumed < bytes.size()) out.append("...");
    return out;
}

}  // namespace tripstream
