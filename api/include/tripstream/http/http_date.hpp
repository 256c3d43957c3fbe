// The Date header's value (RFC 9110 §5.6.7, IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"),
// which every response carries. Formatted once per second per thread, not per response.
#pragma once

#include <string>

namespace tripstream::http {

const std::string& http_date_now();

}  // namespace tripstream::http
