// The strict request-head rules (api/src/http/request_rules.cpp): every rule refuses its case
// with the right status and parameter and lets its nearest legitimate neighbour through; the
// detail is always printable UTF-8, whatever bytes came in.
#include "tripstream/http/request_rules.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tripstream/text/utf8.hpp"

namespace tripstream::http {
namespace {

using namespace std::string_literals;

RequestHead get(std::string_view target, std::vector<HeadField> fields = {{"Host", "api"}}) {
    RequestHead head;
    head.method = "GET";
    head.target = target;
    head.fields = std::move(fields);
    return head;
}

RequestHead post(std::vector<HeadField> fields) {
    RequestHead head = get("/v1/ingestions", std::move(fields));
    head.method = "POST";
    return head;
}

// The violation's parameter ("" when none) after checking that its detail is clean text.
std::string refused(const RequestHead& head, int status = 400) {
    const CheckedHead checked = check_request_head(head);
    if (!checked.violation) return "(accepted)";
    EXPECT_EQ(checked.violation->status, status) << checked.violation->detail;
    EXPECT_TRUE(is_printable_text(checked.violation->detail)) << checked.violation->detail;
    EXPECT_TRUE(is_printable_text(checked.violation->parameter));
    EXPECT_FALSE(checked.violation->detail.empty());
    return checked.violation->parameter;
}

bool accepted(const RequestHead& head) {
    const CheckedHead checked = check_request_head(head);
    EXPECT_FALSE(checked.violation.has_value())
        << checked.violation->parameter << ": " << checked.violation->detail;
    return !checked.violation;
}

TEST(RequestRules, AcceptsAPlainRequestAndDecodesItsTarget) {
    const CheckedHead checked =
        check_request_head(get("/v1/trips/weekly-average?region=S%C3%A3o+Paulo&bbox=1,2,3,4"));
    ASSERT_FALSE(checked.violation.has_value());
    EXPECT_EQ(checked.target.path, "/v1/trips/weekly-average");
    EXPECT_EQ(checked.target.query.at("region"), "S\xc3\xa3o Paulo");
    EXPECT_EQ(checked.target.query.at("bbox"), "1,2,3,4");
}

TEST(RequestRules, VersionOtherThan10And11Is505) {
    for (const unsigned version : {9u, 12u, 20u, 0u, 30u}) {
        RequestHead head = get("/healthz");
        head.version = version;
        EXPECT_EQ(refused(head, 505), "version") << version;
    }
    RequestHead old = get("/healthz", {});
    old.version = 10;
    EXPECT_TRUE(accepted(old));  // HTTP/1.0 needs no Host
}

TEST(RequestRules, MethodMustBeAToken) {
    RequestHead head = get("/healthz");
    head.method = "GE T";
    EXPECT_EQ(refused(head), "method");
    head.method = "";
    EXPECT_EQ(refused(head), "method");
    head.method = "PATCH";
    EXPECT_TRUE(accepted(head));  // unknown to the router, but well-formed: 405/404 later
}

TEST(RequestRules, TransferEncodingMustBeExactlyOneChunked) {
    for (const std::string_view te :
         {"gzip", "chunked, identity", "identity", "chunked, chunked", "gzip, chunked", "", " ",
          ",", "chunked;ext=1", "chunkedx", "\"chunked\""}) {
        EXPECT_EQ(refused(post({{"Host", "api"}, {"Transfer-Encoding", te}})), "Transfer-Encoding")
            << "[" << te << "]";
    }
    // Two field lines are one list: "chunked" twice.
    EXPECT_EQ(
        refused(post(
            {{"Host", "api"}, {"Transfer-Encoding", "chunked"}, {"transfer-encoding", "chunked"}})),
        "Transfer-Encoding");
    EXPECT_EQ(
        refused(post(
            {{"Host", "api"}, {"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}})),
        "Transfer-Encoding");
    for (const std::string_view te :
         {"chunked", "Chunked", "CHUNKED", " chunked ", "chunked,", ", chunked", "\tchunked"}) {
        EXPECT_TRUE(accepted(post({{"Host", "api"}, {"Transfer-Encoding", te}}))) << te;
    }
}

TEST(RequestRules, TransferEncodingOnHttp10Is400) {
    RequestHead head = post({{"Transfer-Encoding", "chunked"}});
    head.version = 10;
    EXPECT_EQ(refused(head), "Transfer-Encoding");
    head.fields = {{"Content-Length", "5"}};
    EXPECT_TRUE(accepted(head));
}

TEST(RequestRules, ContentLengthTogetherWithTransferEncodingIs400) {
    EXPECT_EQ(
        refused(post({{"Host", "api"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}})),
        "Content-Length");
    EXPECT_EQ(
        refused(post({{"Host", "api"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "0"}})),
        "Content-Length");
    EXPECT_TRUE(accepted(post({{"Host", "api"}, {"Content-Length", "5"}})));
}

TEST(RequestRules, ContentLengthMustBeOnePlainDecimal) {
    for (const std::string_view cl :
         {"-1", "+5", "5a", "0x10", "1,1", "1 1", "", "1.0", " ", "99999999999999999999999"}) {
        EXPECT_EQ(refused(post({{"Host", "api"}, {"Content-Length", cl}})), "Content-Length")
            << "[" << cl << "]";
    }
    EXPECT_EQ(refused(post({{"Host", "api"}, {"Content-Length", "5"}, {"Content-Length", "6"}})),
              "Content-Length");
    EXPECT_EQ(refused(post({{"Host", "api"}, {"Content-Length", "5"}, {"content-length", "5"}})),
              "Content-Length");  // repeated at all
    for (const std::string_view cl : {"0", "5", "007", "18446744073709551615", " 12 "}) {
        EXPECT_TRUE(accepted(post({{"Host", "api"}, {"Content-Length", cl}}))) << cl;
    }
}

TEST(RequestRules, Http11NeedsExactlyOneHost) {
    EXPECT_EQ(refused(get("/healthz", {})), "Host");
    EXPECT_EQ(refused(get("/healthz", {{"Host", "a"}, {"Host", "a"}})), "Host");
    EXPECT_EQ(refused(get("/healthz", {{"Host", "a"}, {"host", "b"}})), "Host");
    RequestHead old = get("/healthz", {{"Host", "a"}, {"Host", "b"}});
    old.version = 10;
    EXPECT_EQ(refused(old), "Host");  // two Hosts are ambiguous in any version
    EXPECT_TRUE(accepted(get("/healthz", {{"HOST", "api.example"}})));
}

TEST(RequestRules, HostMustBeHostAndPort) {
    for (const std::string_view host :
         {"a b", "a/b", "user@host", "host:port", "host:123456", "host:70000", "[::1", "[::1]x",
          "a\x01"
          "b",
          "h\xc3\xa9", "host:80:80", "[]", ":80", "a%zz", "a%4", "[::1]:8x", "a\"b", "a<b",
          "a\\b"}) {
        EXPECT_EQ(refused(get("/healthz", {{"Host", host}})), "Host") << "[" << host << "]";
    }
    for (const std::string_view host :
         {"", "api", "127.0.0.1", "127.0.0.1:8080", "[::1]", "[::1]:8080",
          "localhost:", "api.example.com:443", "xn--bcher-kva.example", "a%41b", "a_b-c~d"}) {
        EXPECT_TRUE(accepted(get("/healthz", {{"Host", host}}))) << "[" << host << "]";
    }
}

TEST(RequestRules, FieldValuesWithControlCharactersAre400NamingTheHeader) {
    for (const std::string& value :
         {"a\0b"s, "a\rb"s, "a\nb"s, "a\r\n b"s, "\x1b[31m"s, "a\x7f"s, "\x01"s}) {
        EXPECT_EQ(refused(get("/healthz", {{"Host", "api"}, {"X-Trace", value}})), "X-Trace");
    }
    // HTAB, obs-text (Latin-1 or UTF-8 bytes) and visible characters are allowed.
    EXPECT_TRUE(accepted(get("/healthz", {{"Host", "api"}, {"X-Trace", "a\tb \xe9 \xc3\xa9 ~"}})));
}

TEST(RequestRules, FieldNamesMustBeTokens) {
    EXPECT_EQ(refused(get("/healthz", {{"Host", "api"}, {"X Trace", "1"}})), "X Trace");
    EXPECT_EQ(refused(get("/healthz", {{"Host", "api"}, {"", "1"}})), "");
    EXPECT_EQ(refused(get("/healthz", {{"Host", "api"}, {"X\xff", "1"}})), "X\\xff");
    EXPECT_TRUE(accepted(get("/healthz", {{"Host", "api"}, {"X-A_b.c!#$%&'*+^`|~", "1"}})));
}

TEST(RequestRules, ObsFoldInTheRawHeadIs400NamingTheHeader) {
    const auto folded = check_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n");
    ASSERT_TRUE(folded.has_value());
    EXPECT_EQ(folded->status, 400);
    EXPECT_EQ(folded->parameter, "X-A");
    EXPECT_EQ(check_obs_fold("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n")->parameter, "request line");
    EXPECT_EQ(check_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\t2\r\n\r\n")->parameter,
              "X-A");
    EXPECT_FALSE(check_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1 2\r\n\r\n").has_value());
    // Only the head counts: a body that starts with a space is no fold.
    EXPECT_FALSE(check_obs_fold("POST / HTTP/1.1\r\nHost: a\r\n\r\n a\r\n b").has_value());
    EXPECT_FALSE(check_obs_fold("").has_value());
}

TEST(RequestRules, TargetMustBeOriginOrAbsoluteFormOrAsteriskForOptions) {
    EXPECT_EQ(refused(get("")), "target");
    EXPECT_EQ(refused(get("healthz")), "target");
    EXPECT_EQ(refused(get("api:8080")), "target");  // authority-form: we are no proxy
    EXPECT_EQ(refused(get("ftp://api/healthz")), "target");
    EXPECT_EQ(refused(get("http://user@api/healthz")), "target");
    EXPECT_EQ(refused(get("http:///healthz")), "target");
    EXPECT_EQ(refused(get("*")), "target");
    EXPECT_EQ(refused(get("/healthz#frag")), "target");

    RequestHead options = get("*");
    options.method = "OPTIONS";
    const CheckedHead star = check_request_head(options);
    ASSERT_FALSE(star.violation.has_value());
    EXPECT_EQ(star.target.path, "*");

    const CheckedHead absolute =
        check_request_head(get("HTTP://127.0.0.1:8080/v1/clusters?region=Prague"));
    ASSERT_FALSE(absolute.violation.has_value());
    EXPECT_EQ(absolute.target.path, "/v1/clusters");
    EXPECT_EQ(absolute.target.query.at("region"), "Prague");
    const CheckedHead bare = check_request_head(get("http://api"));
    ASSERT_FALSE(bare.violation.has_value());
    EXPECT_EQ(bare.target.path, "/");
    const CheckedHead query_only = check_request_head(get("https://api?a=1"));
    ASSERT_FALSE(query_only.violation.has_value());
    EXPECT_EQ(query_only.target.path, "/");
    EXPECT_EQ(query_only.target.query.at("a"), "1");
}

TEST(RequestRules, RawTargetBytesOutsideVisibleAsciiAre400) {
    for (const std::string& target :
         {"/a b"s, "/a\0b"s, "/a\tb"s, "/a\x7f"s, "/caf\xc3\xa9"s, "/x?q=\xff"s, "/x\r\n"s}) {
        EXPECT_EQ(refused(get(target)), "target") << sanitize_text(target);
    }
    EXPECT_TRUE(accepted(get("/caf%C3%A9?q=%E2%82%AC&r=!$'()*,;:@~")));
}

TEST(RequestRules, NulAfterDecodingIs400) {
    EXPECT_EQ(refused(get("/docs/index.html%00.png")), "path");
    EXPECT_EQ(refused(get("/v1/trips/weekly-average?region=Prague%00x")), "region");
    EXPECT_EQ(refused(get("/x?na%00me=1")), "na\\x00me");
    EXPECT_TRUE(accepted(get("/docs/index.html?region=Prague%20x")));
}

TEST(RequestRules, MalformedPercentEncodingIs400NamingWhere) {
    EXPECT_EQ(refused(get("/v1/%ZZ")), "path");
    EXPECT_EQ(refused(get("/v1/%4")), "path");
    EXPECT_EQ(refused(get("/v1/x?from=%G1")), "from");
    EXPECT_EQ(refused(get("/v1/x?from=%")), "from");
    EXPECT_EQ(refused(get("/v1/x?fr%om=1")), "fr%om");
    EXPECT_TRUE(accepted(get("/v1/x?from=%41%2b%2B+")));
}

TEST(RequestRules, InvalidUtf8OrControlsAfterDecodingAre400NamingTheParameter) {
    EXPECT_EQ(refused(get("/x?region=%FF")), "region");
    EXPECT_EQ(refused(get("/x?region=%C0%80")), "region");     // overlong NUL
    EXPECT_EQ(refused(get("/x?region=%ED%A0%80")), "region");  // surrogate
    EXPECT_EQ(refused(get("/x?region=%E2%82")), "region");     // truncated
    EXPECT_EQ(refused(get("/x?region=a%0Ab")), "region");      // LF: forged log lines
    EXPECT_EQ(refused(get("/x?region=a%7Fb")), "region");      // DEL
    EXPECT_EQ(refused(get("/x?region=a%C2%85b")), "region");   // C1 NEXT LINE
    EXPECT_EQ(refused(get("/x?%FF=1")), "\\xff");              // the name, sanitized
    EXPECT_EQ(refused(get("/caf%C3")), "path");
    EXPECT_EQ(refused(get("/a%0Db")), "path");
    EXPECT_EQ(refused(get("/x?region=a%09b")), "region");  // TAB is a control too
    EXPECT_TRUE(accepted(get("/x?region=S%C3%A3o%20Paulo&emoji=%F0%9F%9A%95")));
}

TEST(RequestRules, DotSegmentsAfterDecodingAre400) {
    for (const std::string_view target :
         {"/docs/../x", "/docs/./x", "/..", "/.", "/docs/%2e%2e/x", "/docs/%2E./x", "/docs/..%2Fx",
          "/docs%2F..%2Fx", "/a/.."}) {
        EXPECT_EQ(refused(get(target)), "path") << target;
    }
    for (const std::string_view target :
         {"/docs/...", "/docs/.x", "/docs/x..", "/a//b", "/", "/x?p=../y"}) {
        EXPECT_TRUE(accepted(get(target))) << target;
    }
}

TEST(RequestRules, RepeatedOrNamelessParametersAre400) {
    EXPECT_EQ(refused(get("/x?region=A&region=B")), "region");
    EXPECT_EQ(refused(get("/x?region=A&region=A")), "region");
    EXPECT_EQ(refused(get("/x?region=A&re%67ion=B")), "region");  // the same name decoded
    EXPECT_EQ(refused(get("/x?=x")), "query");
    EXPECT_EQ(refused(get("/x?a=1&=x")), "query");
    const CheckedHead checked = check_request_head(get("/x?a=1&&b=2&&c&"));
    ASSERT_FALSE(checked.violation.has_value());
    EXPECT_EQ(checked.target.query.size(), 3u);
    EXPECT_EQ(checked.target.query.at("c"), "");
}

TEST(RequestRules, ReportsTheFirstRuleInAFixedOrder) {
    RequestHead head = get("/x?a=%FF", {{"Content-Length", "x"}});
    head.version = 20;
    EXPECT_EQ(refused(head, 505), "version");
    head.version = 11;
    EXPECT_EQ(refused(head), "Host");
    head.fields.push_back({"Host", "api"});
    EXPECT_EQ(refused(head), "Content-Length");
    head.fields.pop_back();
    head.fields.pop_back();
    head.fields.push_back({"Host", "api"});
    EXPECT_EQ(refused(head), "a");
}

TEST(RequestRules, LongOffendingValuesAreShownAsShortExcerpts) {
    const std::string te(100000, 'x');
    const CheckedHead checked =
        check_request_head(post({{"Host", "api"}, {"Transfer-Encoding", te}}));
    ASSERT_TRUE(checked.violation.has_value());
    EXPECT_LT(checked.violation->detail.size(), 300u);
    const std::string name = "/x?" + std::string(5000, 'n') + "=%FF";
    EXPECT_LT(refused(get(name)).size(), 100u);
}

// Random bytes in every part of the head: never a crash, and whatever is refused is refused
// with printable UTF-8 (refused() checks); whatever is accepted decodes to printable text.
TEST(RequestRules, RandomHeadsNeverCrashAndAlwaysExplainInPrintableText) {
    std::mt19937_64 random(20240611);
    const std::string alphabet = "/?&=%.+:@[]#;, \t\r\n\0aZ09\x7f\x80\xc0\xc3\xa9\xed\xff"s;
    const auto noise = [&](size_t max) {
        std::string s(random() % max, '\0');
        for (char& c : s)
            c = random() % 3 == 0 ? static_cast<char>(random())
                                  : alphabet[random() % alphabet.size()];
        return s;
    };
    for (int i = 0; i < 20000; ++i) {
        const std::string method = i % 4 == 0 ? noise(8) : "GET";
        const std::string target = (i % 2 == 0 ? "/" : "") + noise(40);
        const std::string name = i % 5 == 0 ? noise(12) : "X-A";
        const std::string value = noise(20);
        const std::string host = i % 3 == 0 ? noise(12) : "api";
        RequestHead head;
        head.method = method;
        head.target = target;
        head.version = static_cast<unsigned>(random() % 25);
        head.fields = {{"Host", host}, {name, value}};
        if (i % 7 == 0) head.fields.push_back({"Transfer-Encoding", noise(12)});
        if (i % 11 == 0) head.fields.push_back({"Content-Length", noise(6)});
        const CheckedHead checked = check_request_head(head);
        if (checked.violation) {
            ASSERT_TRUE(checked.violation->status == 400 || checked.violation->status == 505);
            ASSERT_TRUE(is_printable_text(checked.violation->detail)) << i;
            ASSERT_TRUE(is_printable_text(checked.violation->parameter)) << i;
        } else {
            ASSERT_TRUE(is_printable_text(checked.target.path)) << i;
            for (const auto& [k, v] : checked.target.query) {
                ASSERT_TRUE(is_printable_text(k) && is_printable_text(v)) << i;
            }
        }
        const auto folded = check_obs_fold(method + " " + target + "\r\n" + noise(60));
        if (folded) {
            ASSERT_TRUE(is_printable_text(folded->parameter)) << i;
        }
    }
}

}  // namespace
}  // namespace tripstream::http
