// The text helpers: strict UTF-8, the printable escape, hex, base64, trimming, digits.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tripstream/text/base64.hpp"
#include "tripstream/text/digits.hpp"
#include "tripstream/text/hex.hpp"
#include "tripstream/text/trim.hpp"
#include "tripstream/text/utf8.hpp"

namespace tripstream {
namespace {

using namespace std::string_literals;

// "ok", or the description of the first problem.
std::string utf8_verdict(const std::string& bytes) {
    const auto problem = find_utf8_problem(bytes);
    return problem ? problem->describe() : "ok";
}

std::string text_verdict(const std::string& bytes, bool allow_whitespace = false) {
    const auto problem = find_text_problem(bytes, allow_whitespace);
    return problem ? problem->describe() : "ok";
}

// A reference decoder, byte by byte, straight from the Unicode Standard's table 3-7.
bool reference_valid(const std::string& s) {
    size_t i = 0;
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const auto in = [&](size_t k, int lo, int hi) {
        return k < s.size() && b(k) >= lo && b(k) <= hi;
    };
    while (i < s.size()) {
        const unsigned char c = b(i);
        if (c <= 0x7F) {
            i += 1;
        } else if (c >= 0xC2 && c <= 0xDF && in(i + 1, 0x80, 0xBF)) {
            i += 2;
        } else if (c == 0xE0 && in(i + 1, 0xA0, 0xBF) && in(i + 2, 0x80, 0xBF)) {
            i += 3;
        } else if (((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) && in(i + 1, 0x80, 0xBF) &&
                   in(i + 2, 0x80, 0xBF)) {
            i += 3;
        } else if (c == 0xED && in(i + 1, 0x80, 0x9F) && in(i + 2, 0x80, 0xBF)) {
            i += 3;
        } else if (c == 0xF0 && in(i + 1, 0x90, 0xBF) && in(i + 2, 0x80, 0xBF) &&
                   in(i + 3, 0x80, 0xBF)) {
            i += 4;
        } else if (c >= 0xF1 && c <= 0xF3 && in(i + 1, 0x80, 0xBF) && in(i + 2, 0x80, 0xBF) &&
                   in(i + 3, 0x80, 0xBF)) {
            i += 4;
        } else if (c == 0xF4 && in(i + 1, 0x80, 0x8F) && in(i + 2, 0x80, 0xBF) &&
                   in(i + 3, 0x80, 0xBF)) {
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

TEST(Utf8, AcceptsWellFormedText) {
    for (const std::string& s :
         {""s, "Prague"s, "Praha \xC4\x8D"s, "M\xC3\xBCnchen"s, "\xE2\x82\xAC"s /* € */,
          "\xF0\x9F\x9A\x97"s /* 🚗 */, "\xF4\x8F\xBF\xBF"s /* U+10FFFF */,
          "\xEF\xBB\xBF"s /* BOM */, "\xEF\xBF\xBE"s /* U+FFFE */, "\xED\x9F\xBF"s /* U+D7FF */,
          "\xEE\x80\x80"s /* U+E000 */, "\xC2\x80"s /* U+0080 is well-formed UTF-8 */,
          "a long ASCII string that crosses several eight-byte words"s}) {
        EXPECT_EQ(utf8_verdict(s), "ok") << sanitize_text(s);
    }
}

TEST(Utf8, RejectsEachKindOfIllFormedSequenceWithItsOffset) {
    EXPECT_EQ(utf8_verdict("abc\xC0\xAF"), "invalid UTF-8 at byte 3 (overlong encoding)");
    EXPECT_EQ(utf8_verdict("abc\xC1\xBF"), "invalid UTF-8 at byte 3 (overlong encoding)");
    EXPECT_EQ(utf8_verdict("\xE0\x80\xAF"), "invalid UTF-8 at byte 0 (overlong encoding)");
    EXPECT_EQ(utf8_verdict("\xE0\x9F\xBF"), "invalid UTF-8 at byte 0 (overlong encoding)");
    EXPECT_EQ(utf8_verdict("\xF0\x80\x80\xAF"), "invalid UTF-8 at byte 0 (overlong encoding)");
    EXPECT_EQ(utf8_verdict("\xF0\x8F\xBF\xBF"), "invalid UTF-8 at byte 0 (overlong encoding)");
    EXPECT_EQ(utf8_verdict("x\xED\xA0\x80"), "invalid UTF-8 at byte 1 (surrogate code point)");
    EXPECT_EQ(utf8_verdict("x\xED\xBF\xBF"), "invalid UTF-8 at byte 1 (surrogate code point)");
    EXPECT_EQ(utf8_verdict("\xF4\x90\x80\x80"),
              "invalid UTF-8 at byte 0 (code point above U+10FFFF)");
    EXPECT_EQ(utf8_verdict("\xF5\x80\x80\x80"),
              "invalid UTF-8 at byte 0 (code point above U+10FFFF)");
    EXPECT_EQ(utf8_verdict("\xF8\x88\x80\x80\x80"), "invalid UTF-8 at byte 0 (invalid byte)");
    EXPECT_EQ(utf8_verdict("\xFF"), "invalid UTF-8 at byte 0 (invalid byte)");
    EXPECT_EQ(utf8_verdict("\xFE"), "invalid UTF-8 at byte 0 (invalid byte)");
    EXPECT_EQ(utf8_verdict("ab\xC3"), "invalid UTF-8 at byte 2 (truncated sequence)");
    EXPECT_EQ(utf8_verdict("ab\xE2\x82"), "invalid UTF-8 at byte 2 (truncated sequence)");
    EXPECT_EQ(utf8_verdict("ab\xF0\x9F\x9A"), "invalid UTF-8 at byte 2 (truncated sequence)");
    EXPECT_EQ(utf8_verdict("ab\xE2\x82x"), "invalid UTF-8 at byte 2 (truncated sequence)");
    EXPECT_EQ(utf8_verdict("ab\xC3x"), "invalid UTF-8 at byte 2 (truncated sequence)");
    EXPECT_EQ(utf8_verdict("\x80"), "invalid UTF-8 at byte 0 (unexpected continuation byte)");
    EXPECT_EQ(utf8_verdict("12345678\xBF"),
              "invalid UTF-8 at byte 8 (unexpected continuation byte)");
    EXPECT_EQ(utf8_verdict("\xC3\xA9\xA9"),
              "invalid UTF-8 at byte 2 (unexpected continuation byte)");
}

TEST(Utf8, AgreesWithAReferenceDecoderOnEveryShortSequence) {
    // Every one- and two-byte string, and every three-byte string with a lead byte >= 0xE0
    // in front of a continuation-range byte pair, plus random strings.
    std::string s;
    for (int a = 0; a < 256; ++a) {
        s.assign(1, static_cast<char>(a));
        ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << a;
        for (int b = 0; b < 256; ++b) {
            s.assign({static_cast<char>(a), static_cast<char>(b)});
            ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << a << " " << b;
        }
    }
    for (int a = 0xE0; a < 256; ++a) {
        for (int b = 0x70; b < 0xD0; ++b) {
            for (int c : {0x41, 0x80, 0xBF, 0xC0}) {
                for (int d : {-1, 0x41, 0x80, 0xBF}) {
                    s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
                    if (d >= 0) s.push_back(static_cast<char>(d));
                    ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << sanitize_text(s);
                }
            }
        }
    }
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        s.clear();
        const int n = static_cast<int>(rng() % 24);
        for (int k = 0; k < n; ++k) {
            const uint32_t r = rng();
            // Mostly ASCII and plausible multi-byte material.
            s.push_back(static_cast<char>(r % 3 == 0 ? 0x20 + r % 90 : 0x80 + r % 0x80));
        }
        ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << sanitize_text(s);
    }
}

TEST(Utf8, TextRejectsC0DelAndC1Controls) {
    EXPECT_EQ(text_verdict("Prague"), "ok");
    EXPECT_EQ(text_verdict("Praha \xC4\x8D \xF0\x9F\x9A\x97"), "ok");
    EXPECT_EQ(text_verdict("a\0b"s), "control character U+0000 at byte 1");
    EXPECT_EQ(text_verdict("\x01"), "control character U+0001 at byte 0");
    EXPECT_EQ(text_verdict("abc\t"), "control character U+0009 at byte 3");
    EXPECT_EQ(text_verdict("abc\n"), "control character U+000A at byte 3");
    EXPECT_EQ(text_verdict("0123456789\x1F"), "control character U+001F at byte 10");
    EXPECT_EQ(text_verdict("0123456789\x7F"), "control character U+007F at byte 10");
    EXPECT_EQ(text_verdict("x\xC2\x80"), "control character U+0080 at byte 1");
    EXPECT_EQ(text_verdict("x\xC2\x85y"), "control character U+0085 at byte 1");
    EXPECT_EQ(text_verdict("x\xC2\x9F"), "control character U+009F at byte 1");
    EXPECT_EQ(text_verdict("x\xC2\xA0"), "ok");  // NO-BREAK SPACE is not a control
    EXPECT_EQ(text_verdict(" ~"), "ok");
    // Ill-formed UTF-8 is reported as such by the text check too.
    EXPECT_EQ(text_verdict("ab\xC0\x80"), "invalid UTF-8 at byte 2 (overlong encoding)");
    // Every control character in every position of a word-sized run.
    for (int c = 0; c < 0x20; ++c) {
        for (size_t pos = 0; pos < 17; ++pos) {
            std::string s(17, 'a');
            s[pos] = static_cast<char>(c);
            const auto problem = find_text_problem(s);
            ASSERT_TRUE(problem) << c << " at " << pos;
            EXPECT_EQ(problem->offset, pos);
            EXPECT_EQ(problem->issue, TextIssue::control_character);
            EXPECT_EQ(problem->code_point, static_cast<char32_t>(c));
        }
    }
}

TEST(Utf8, TextCanAllowWhitespaceControls) {
    EXPECT_EQ(text_verdict("POINT (1\t2)\r\n\v\f", true), "ok");
    EXPECT_EQ(text_verdict("POINT (1\x00 2)"s, true), "control character U+0000 at byte 8");
    EXPECT_EQ(text_verdict("POINT (1\x7F 2)", true), "control character U+007F at byte 8");
    EXPECT_EQ(text_verdict("POINT (1\x08 2)", true), "control character U+0008 at byte 8");
}

TEST(Utf8, PrintableAsciiIsAQuickAcceptOfText) {
    for (size_t length = 0; length <= 24; ++length) {
        EXPECT_TRUE(is_printable_ascii(std::string(length, ' ')));
        EXPECT_TRUE(is_printable_ascii(std::string(length, '~')));
        for (size_t at = 0; at < length; ++at) {
            for (int byte = 0; byte < 256; ++byte) {
                std::string s(length, 'a');
                s[at] = static_cast<char>(byte);
                const bool printable = byte >= 0x20 && byte <= 0x7E;
                EXPECT_EQ(is_printable_ascii(s), printable) << length << " " << at << " " << byte;
                if (printable) {
                    EXPECT_TRUE(is_printable_text(s));
                }
            }
        }
    }
}

TEST(Utf8, SanitizeMakesAnyBytesPrintableText) {
    EXPECT_EQ(sanitize_text("Prague"), "Prague");
    EXPECT_EQ(sanitize_text("M\xC3\xBCnchen \xF0\x9F\x9A\x97"), "M\xC3\xBCnchen \xF0\x9F\x9A\x97");
    EXPECT_EQ(sanitize_text("a\0b"s), "a\\x00b");
    EXPECT_EQ(sanitize_text("tab\there\n"), "tab\\x09here\\x0a");
    EXPECT_EQ(sanitize_text("\x7F"), "\\x7f");
    EXPECT_EQ(sanitize_text("c1 \xC2\x85"), "c1 \\xc2\\x85");
    EXPECT_EQ(sanitize_text("back\\slash"), "back\\\\slash");
    EXPECT_EQ(sanitize_text("\xC0\xAF"), "\\xc0\\xaf");
    EXPECT_EQ(sanitize_text("\xE2\x82x"), "\\xe2\\x82x");
    EXPECT_EQ(sanitize_text("\xED\xA0\x80"), "\\xed\\xa0\\x80");
    EXPECT_EQ(sanitize_text("\xFF\xFE"), "\\xff\\xfe");
    // Whatever the bytes, the result is printable text.
    std::mt19937 rng(11);
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const int n = static_cast<int>(rng() % 40);
        for (int k = 0; k < n; ++k)
            s.push_back(static_cast<char>(rng() & 0xFF));
        const std::string out = sanitize_text(s);
        ASSERT_TRUE(is_printable_text(out)) << out;
        if (is_printable_text(s) && s.find('\\') == std::string::npos) {
            EXPECT_EQ(out, s);
        }
    }
}

TEST(Utf8, ExcerptNeverSplitsACharacter) {
    EXPECT_EQ(sanitized_excerpt("abcdef", 10), "abcdef");
    EXPECT_EQ(sanitized_excerpt("abcdef", 3), "abc...");
    EXPECT_EQ(sanitized_excerpt("ab\xE2\x82\xAC", 4), "ab...");
    EXPECT_EQ(sanitized_excerpt("ab\xE2\x82\xAC", 5), "ab\xE2\x82\xAC");
    EXPECT_EQ(sanitized_excerpt("ab\xFF\xFF", 3), "ab\\xff...");
    EXPECT_EQ(sanitized_excerpt("", 0), "");
    EXPECT_EQ(sanitized_excerpt("x", 0), "...");
}

TEST(Hex, EncodesBytes) {
    EXPECT_EQ(to_hex("\x00\x7f\x80\xff"s), "007f80ff");
    std::string out;
    append_hex_byte(out, 0xAB, true);
    EXPECT_EQ(out, "AB");
    EXPECT_EQ(hex_excerpt("\x01\x02\x03"s, 2), "hex:0102...");
    EXPECT_EQ(hex_excerpt("\x01\x02"s, 2), "hex:0102");
}

TEST(Base64, RoundTripsAnyBytes) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("\0\xff\xfe"s), "AP/+");
    std::mt19937 rng(3);
    std::string back;
    for (int i = 0; i < 2000; ++i) {
        std::string s;
        const int n = static_cast<int>(rng() % 50);
        for (int k = 0; k < n; ++k)
            s.push_back(static_cast<char>(rng() & 0xFF));
        ASSERT_TRUE(base64_decode(base64_encode(s), back));
        ASSERT_EQ(back, s);
    }
}

TEST(Base64, DecodingIsStrict) {
    std::string out;
    EXPECT_TRUE(base64_decode("Zm9vYmE=", out));
    EXPECT_EQ(out, "fooba");
    for (const char* bad : {"Zm9", "Zm9vY", "Zg=", "Z===", "====", "Zm=v", "Zg==Zg==", "Zm 9v",
                            "Zm9v\n", "Zm-_", "Zh==", "Zm9=", "\xC3\xA9\xC3\xA9"}) {
        EXPECT_FALSE(base64_decode(bad, out)) << bad;
    }
}

TEST(Trim, RemovesSpacesAndTabsOnly) {
    EXPECT_EQ(trim_blanks(" \t Prague\t "), "Prague");
    EXPECT_EQ(trim_blanks("   "), "");
    EXPECT_EQ(trim_blanks("\nx\r"), "\nx\r");
    EXPECT_EQ(trim_blanks("a b"), "a b");
}

TEST(Digits, ReadsExactlyTheWidth) {
    EXPECT_EQ(fixed_digits("2018-05", 0, 4), 2018);
    EXPECT_EQ(fixed_digits("2018-05", 5, 2), 5);
    EXPECT_EQ(fixed_digits("2018-05", 5, 3), -1);  // past the end
    EXPECT_EQ(fixed_digits("2018-05", 8, 1), -1);
    EXPECT_EQ(fixed_digits("+1", 0, 2), -1);
    EXPECT_EQ(fixed_digits(" 1", 0, 2), -1);
    EXPECT_EQ(fixed_digits("1234567890", 0, 10), -1);  // would overflow int: refused
    EXPECT_EQ(fixed_digits("", 0, 0), 0);
}

}  // namespace
}  // namespace tripstream
