// parse_target's strict interface (query_string.hpp): the error names the parameter and says
// why in printable text; the former interface applies the same rules.
#include "tripstream/http/query_string.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tripstream/text/utf8.hpp"

namespace tripstream::http {
namespace {

TargetError error_of(std::string_view target) {
    TargetError error;
    EXPECT_FALSE(parse_target(target, error).has_value()) << target;
    EXPECT_TRUE(is_printable_text(error.detail)) << error.detail;
    EXPECT_TRUE(is_printable_text(error.parameter)) << error.parameter;
    return error;
}

TEST(QueryStringStrict, NamesTheParameterAndSaysWhy) {
    EXPECT_EQ(error_of("/x?region=A&region=B").detail,
              "query parameter region is given more than once");
    EXPECT_EQ(error_of("/x?region=%C0%80").detail,
              "region: invalid UTF-8 at byte 0 (overlong encoding)");
    EXPECT_EQ(error_of("/x?region=Prague%00x").detail,
              "region: control character U+0000 at byte 6");
    EXPECT_EQ(error_of("/docs/index.html%00.png").parameter, "path");
    EXPECT_EQ(error_of("/docs/../x").detail, "path has a '.' or '..' segment");
    EXPECT_EQ(error_of("/x?=1").parameter, "query");
    EXPECT_EQ(error_of("/x?from=%G1").parameter, "from");
}

TEST(QueryStringStrict, PlusIsASpaceOnlyInTheQuery) {
    TargetError error;
    const auto parsed = parse_target("/a+b?c+d=e+f%2B", error);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->path, "/a+b");
    EXPECT_EQ(parsed->query.at("c d"), "e f+");
}

}  // namespace
}  // namespace tripstream::http
