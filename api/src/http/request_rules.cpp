#include "tripstream/http/request_rules.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "tripstream/text/hex.hpp"
#include "tripstream/text/hex_digit.hpp"
#include "tripstream/text/trim.hpp"
#include "tripstream/text/utf8.hpp"

namespace tripstream::http {
namespace {

using Violation = std::optional<HeadViolation>;

// Excerpts of what the client sent are echoed in the problem: printable UTF-8, and short.
constexpr size_t kShownBytes = 64;

std::string shown(std::string_view bytes) {
    return sanitized_excerpt(bytes, kShownBytes);
}

HeadViolation bad_request(std::string parameter, std::string detail) {
    return HeadViolation{400, std::move(detail), std::move(parameter)};
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 9110 5.6.2: the characters of a method or a field name.
bool is_tchar(char c) {
    return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

// RFC 3986 unreserved and sub-delims: what a reg-name (a host name) is made of, with "%XX".
bool is_host_char(char c) {
    return is_alnum(c) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// Every value of the fields named `name` (case-insensitive), in the order received.
std::vector<std::string_view> values_of(const RequestHead& head, std::string_view name) {
    std::vector<std::string_view> values;
    for (const auto& field : head.fields)
        if (iequals(field.name, name)) values.push_back(field.value);
    return values;
}

Violation check_version(const RequestHead& head) {
    if (head.version == 10 || head.version == 11) return std::nullopt;
    return HeadViolation{505,
                         "HTTP/" + std::to_string(head.version / 10) + "." +
                             std::to_string(head.version % 10) +
                             " is not supported (HTTP/1.0 and HTTP/1.1 are)",
                         "version"};
}

Violation check_method(const RequestHead& head) {
    if (is_token(head.method)) return std::nullopt;
    return bad_request("method", "method " + shown(head.method) + " is not a token");
}

// RFC 9110 5.5: a field value is visible characters, SP and HTAB (and obs-text, which is
// kept). CR, LF and NUL are the ones that matter: a server or a log that splits on them sees
// headers the client never had the right to send.
Violation check_field(const HeadField& field) {
    if (!is_token(field.name)) {
        return bad_request(shown(field.name),
                           "header name " + shown(field.name) + " is not a token");
    }
    for (size_t i = 0; i < field.value.size(); ++i) {
        const auto byte = static_cast<unsigned char>(field.value[i]);
        if ((byte < 0x20 && byte != '\t') || byte == 0x7F) {
            std::string detail = "header " + shown(field.name) + ": control character 0x";
            append_hex_byte(detail, byte);
            return bad_request(shown(field.name), detail + " at byte " + std::to_string(i));
        }
    }
    return std::nullopt;
}

Violation check_fields(const RequestHead& head) {
    for (const auto& field : head.fields)
        if (auto violation = check_field(field)) return violation;
    return std::nullopt;
}

bool is_reg_name(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size()) return false;
            if (hex_digit_value(s[i + 1]) < 0 || hex_digit_value(s[i + 2]) < 0) return false;
            i += 2;
        } else if (!is_host_char(s[i])) {
            return false;
        }
    }
    return true;
}

// "[v6 or IPvFuture]": what the brackets hold, loosely (hex digits, ':' and '.' for IPv6).
bool is_ip_literal(std::string_view s) {
    if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
    const std::string_view inside = s.substr(1, s.size() - 2);
    if (inside.empty()) return false;
    for (const char c : inside)
        if (!is_host_char(c) && c != ':') return false;
    return true;
}

// RFC 3986 port = *DIGIT; more than 65535 is no port at all.
bool is_port(std::string_view s) {
    if (s.size() > 5) return false;
    unsigned value = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value <= 65535;
}

// uri-host [ ":" port ] (RFC 9110 7.2). No userinfo ('@'), no path, no whitespace.
bool is_host_value(std::string_view value) {
    if (value.empty()) return true;  // allowed: a target URI without an authority
    std::string_view host = value;
    std::string_view port;
    const size_t colon = value.front() == '[' ? value.find(':', value.find(']')) : value.find(':');
    if (colon != std::string_view::npos) {
        host = value.substr(0, colon);
        port = value.substr(colon + 1);
    }
    if (!is_port(port) || host.empty()) return false;
    return host.front() == '[' ? is_ip_literal(host) : is_reg_name(host);
}

// RFC 9112 3.2: exactly one Host in HTTP/1.1. Two Hosts are how a request reaches another
// virtual host than the one a proxy in front checked.
Violation check_host(const RequestHead& head) {
    const auto hosts = values_of(head, "Host");
    if (hosts.empty() && head.version == 11) {
        return bad_request("Host", "an HTTP/1.1 request needs a Host header");
    }
    if (hosts.size() > 1) return bad_request("Host", "Host is given more than once");
    if (!hosts.empty() && !is_host_value(trim_blanks(hosts.front()))) {
        return bad_request("Host", "Host " + shown(hosts.front()) + " is not host[:port]");
    }
    return std::nullopt;
}

// RFC 9112 6.3: a Content-Length that is not one plain decimal number leaves the body's end
// open to interpretation. Repeats are refused even when equal: nothing legitimate sends them.
Violation check_content_length(const RequestHead& head) {
    const auto lengths = values_of(head, "Content-Length");
    if (lengths.empty()) return std::nullopt;
    if (lengths.size() > 1) {
        return bad_request("Content-Length", "Content-Length is given more than once");
    }
    const std::string_view text = trim_blanks(lengths.front());
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool digits_only = !text.empty() && text.front() >= '0' && text.front() <= '9';
    if (!digits_only || ec != std::errc() || end != text.data() + text.size()) {
        return bad_request("Content-Length",
                           "Content-Length " + shown(text) + " is not a decimal byte count");
    }
    return std::nullopt;
}

// The codings of every Transfer-Encoding line, as one list, empty elements skipped.
std::vector<std::string_view> transfer_codings(const std::vector<std::string_view>& lines) {
    std::vector<std::string_view> codings;
    for (std::string_view rest : lines) {
        for (;;) {
            const size_t comma = rest.find(',');
            const std::string_view coding = trim_blanks(rest.substr(0, comma));
            if (!coding.empty()) codings.push_back(coding);
            if (comma == std::string_view::npos) break;
            rest = rest.substr(comma + 1);
        }
    }
    return codings;
}

// RFC 9112 6.1: chunked must be the final coding, and we decode no other one; so exactly
// "chunked" is the only framing we can read the same way as every other parser would.
Violation check_transfer_encoding(const RequestHead& head) {
    const auto lines = values_of(head, "Transfer-Encoding");
    if (lines.empty()) return std::nullopt;
    if (head.version == 10) {
        return bad_request("Transfer-Encoding", "Transfer-Encoding in an HTTP/1.0 request");
    }
    const auto codings = transfer_codings(lines);
    if (codings.size() == 1 && iequals(codings.front(), "chunked")) return std::nullopt;
    std::string all;
    for (const auto line : lines)
        all.append(all.empty() ? "" : ", ").append(line);
    return bad_request("Transfer-Encoding", "Transfer-Encoding " + shown(all) +
                                                " is not supported (only \"chunked\" is)");
}

// RFC 9112 6.1: both framings in one request is the classic smuggling vector.
Violation check_framing_conflict(const RequestHead& head) {
    if (values_of(head, "Transfer-Encoding").empty()) return std::nullopt;
    if (values_of(head, "Content-Length").empty()) return std::nullopt;
    return bad_request("Content-Length", "Content-Length together with Transfer-Encoding");
}

// RFC 9112 3.2: every byte of a request-target is a visible ASCII character; anything else
// (a raw space, NUL, or UTF-8 not percent-encoded) is a client or an attacker to refuse.
Violation check_target_bytes(std::string_view target) {
    for (size_t i = 0; i < target.size(); ++i) {
        const auto byte = static_cast<unsigned char>(target[i]);
        if (byte < 0x21 || byte >= 0x7F) {
            std::string detail = "request-target has byte 0x";
            append_hex_byte(detail, byte);
            return bad_request("target", detail + " at offset " + std::to_string(i));
        }
    }
    if (target.find('#') != std::string_view::npos) {
        return bad_request("target", "request-target has a fragment ('#')");
    }
    return std::nullopt;
}

// "http://host:port/path?q" (RFC 9112 3.2.2): its path and query, "/" when it has no path;
// nullopt when it is no absolute http(s) URI.
std::optional<std::string> absolute_form_path(std::string_view target) {
    const size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const std::string_view scheme = target.substr(0, scheme_end);
    if (!iequals(scheme, "http") && !iequals(scheme, "https")) return std::nullopt;
    const std::string_view rest = target.substr(scheme_end + 3);
    const size_t path_start = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, path_start);
    if (authority.empty() || !is_host_value(authority)) return std::nullopt;
    if (path_start == std::string_view::npos) return std::string("/");
    const std::string_view path = rest.substr(path_start);
    return path.front() == '/' ? std::string(path) : "/" + std::string(path);
}

Violation check_target(const RequestHead& head, ParsedTarget& parsed) {
    const std::string_view target = head.target;
    if (target.empty()) return bad_request("target", "empty request-target");
    if (auto violation = check_target_bytes(target)) return violation;
    if (target == "*") {  // asterisk-form: the server as a whole, for OPTIONS only
        if (head.method == "OPTIONS") {
            parsed.path = "*";
            return std::nullopt;
        }
        return bad_request("target", "request-target '*' is only for OPTIONS");
    }
    const std::optional<std::string> origin =
        target.front() == '/' ? std::optional<std::string>(target) : absolute_form_path(target);
    if (!origin) {
        return bad_request("target", "request-target " + shown(target) +
                                         " is neither a path nor an absolute http URI");
    }
    TargetError error;
    auto result = parse_target(*origin, error);
    if (!result) return bad_request(std::move(error.parameter), std::move(error.detail));
    parsed = std::move(*result);
    return std::nullopt;
}

// The name of the field on the header line that starts at `line`, for naming a folded one.
std::string_view field_name_at(std::string_view line) {
    return line.substr(0, std::min(line.find(':'), line.find('\r')));
}

}  // namespace

Violation check_obs_fold(std::string_view head_bytes) {
    const size_t end = head_bytes.find("\r\n\r\n");
    const std::string_view head = head_bytes.substr(0, end);
    size_t line = head.find("\r\n");  // the request line ends here
    std::string_view previous = "request line";
    while (line != std::string_view::npos) {
        const size_t start = line + 2;
        if (start < head.size() && (head[start] == ' ' || head[start] == '\t')) {
            const std::string name = shown(previous);
            return bad_request(name, "header " + name + " is folded over lines (obs-fold)");
        }
        previous = field_name_at(head.substr(start));
        line = head.find("\r\n", start);
    }
    return std::nullopt;
}

CheckedHead check_request_head(const RequestHead& head) {
    CheckedHead checked;
    for (const auto check :
         {check_version, check_method, check_fields, check_host, check_content_length,
          check_transfer_encoding, check_framing_conflict}) {
        checked.violation = check(head);
        if (checked.violation) return checked;
    }
    checked.violation = check_target(head, checked.target);
    return checked;
}

}  // namespace tripstream::http
