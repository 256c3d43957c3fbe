// The strict HTTP/1.1 rules a request head must pass before any handler sees it (RFC 9110,
// RFC 9112): one reading of the message framing (Transfer-Encoding, Content-Length), one Host,
// a request-target that decodes to printable UTF-8 with no traversal and no repeated
// parameter, field values without control characters. Anything ambiguous is refused, because
// a proxy in front may read an ambiguous request differently (request smuggling) and a
// handler should only ever see clean text.
//
// A pure function of plain values: the server converts its parser's header into a RequestHead
// and answers a violation with a problem (RFC 9457) and a closed connection.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tripstream/http/query_string.hpp"

namespace tripstream::http {

struct HeadField {
    std::string_view name;
    std::string_view value;
};

struct RequestHead {
    std::string_view method;
    std::string_view target;        // raw request-target as received
    unsigned version = 11;          // major * 10 + minor, as Beast encodes it
    std::vector<HeadField> fields;  // in the order received, duplicates kept
};

struct HeadViolation {
    int status = 400;       // 400, or 505 for an HTTP version other than 1.0 and 1.1
    std::string detail;     // human text, valid UTF-8 (excerpts are sanitized)
    std::string parameter;  // the header name, query parameter, "path", "target" or "version"
};

struct CheckedHead {
    std::optional<HeadViolation> violation;  // set: answer it and close the connection
    ParsedTarget target;                     // the decoded path and query when no violation
};

// Checks, in this order: version, method, every field's name and value, Host, Content-Length,
// Transfer-Encoding (and the two together), then the request-target; the first violation
// found is reported.
CheckedHead check_request_head(const RequestHead& head);

// Obsolete line folding (a header line that starts with SP or HTAB, RFC 9112 5.2) in the raw
// bytes of a request head (up to its empty line; more bytes are ignored). A separate check
// because Beast unfolds such values silently, so the parsed fields no longer show it: the
// server runs this over the head's bytes before handing them to the parser. The violation
// names the folded header ("request line" for whitespace before the first field).
std::optional<HeadViolation> check_obs_fold(std::string_view head_bytes);

}  // namespace tripstream::http
