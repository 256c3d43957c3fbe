// Strict UTF-8 (RFC 3629) validation and a printable escape for arbitrary bytes.
//
// Everything that reaches the database, a log line or a JSON document as text goes through
// one of these: input rows are checked field by field (csv/trip_row_parser), decoded
// messages are re-checked (validate_trip), and bytes that are not known to be text are shown
// through sanitize_text().
//
// Well-formed means exactly the sequences of the Unicode Standard's table 3-7: no overlong
// forms (C0, C1, E0 80..9F, F0 80..8F), no surrogates (ED A0..BF), nothing above U+10FFFF
// (F4 90.., F5..FF), no truncated sequence, no stray continuation byte. Noncharacters
// (U+FFFE, U+FFFF, ...) and the byte-order mark U+FEFF are well-formed and accepted.
//
// "Text" additionally excludes the control characters: C0 (U+0000..U+001F, NUL included),
// DEL (U+007F) and C1 (U+0080..U+009F, bytes C2 80..C2 9F). C1 controls are rejected because
// no real region or datasource name contains one and several of them (U+0085 NEXT LINE,
// U+009B CSI) act as line breaks or terminal escapes in logs.
//
// The checks take an ASCII fast path, eight bytes at a time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tripstream {

enum class TextIssue {
    truncated,           // a lead byte not followed by enough continuation bytes
    stray_continuation,  // a continuation byte (80..BF) without a lead byte
    overlong,            // C0, C1, E0 80..9F, F0 80..8F
    surrogate,           // ED A0..BF: U+D800..U+DFFF
    too_large,           // F4 90..BF, F5..F7: above U+10FFFF
    invalid_byte,        // F8..FF: never in UTF-8
    control_character,   // C0 control, DEL or C1 control (text checks only)
};

struct TextProblem {
    size_t offset = 0;  // byte offset of the first byte of the offending sequence
    TextIssue issue = TextIssue::truncated;
    char32_t code_point = 0;  // the control character, for control_character

    // "invalid UTF-8 at byte 3 (overlong encoding)", "control character U+0000 at byte 0".
    std::string describe() const;
};

// A short phrase for the issue: "overlong encoding", "surrogate", "control character"...
const char* to_string(TextIssue issue);

// The first place where `bytes` is not well-formed UTF-8, or nullopt.
std::optional<TextProblem> find_utf8_problem(std::string_view bytes);

// The first place where `bytes` is not well-formed UTF-8 or holds a control character (C0,
// DEL, C1), or nullopt. With `allow_whitespace`, TAB, LF, VT, FF and CR are accepted (for
// fields whose grammar treats them as blanks, such as WKT).
std::optional<TextProblem> find_text_problem(std::string_view bytes, bool allow_whitespace = false);

// True when every byte is printable ASCII (0x20..0x7E): text that needs no decoding, what
// nearly every region and datasource name is. A quick accept only: false says nothing about
// where or what the problem is (find_text_problem says that).
bool is_printable_ascii(std::string_view bytes);

inline bool is_valid_utf8(std::string_view bytes) {
    return !find_utf8_problem(bytes);
}
inline bool is_printable_text(std::string_view bytes) {
    return !find_text_problem(bytes);
}

// Turns any bytes into valid, printable UTF-8: well-formed printable characters are copied;
// every byte of an ill-formed sequence, every C0/DEL byte and both bytes of a C1 control are
// written as \xNN (two lower-case hex digits), and a backslash as \\ -- so the result is
// unambiguous (the original bytes can be recovered) and is itself valid text.
void append_sanitized(std::string& out, std::string_view bytes);
std::string sanitize_text(std::string_view bytes);

// sanitize_text of at most the first `max_bytes` input bytes (never splitting a well-formed
// character), followed by "..." when the input was longer.
std::string sanitized_excerpt(std::string_view bytes, size_t max_bytes);

}  // namespace tripstream
