// Base64 (RFC 4648, standard alphabet, with padding): exact bytes inside JSON documents,
// such as the raw text of a rejected row (docs/message-format.md).
#pragma once

#include <string>
#include <string_view>

namespace tripstream {

std::string base64_encode(std::string_view bytes);

// Strict decoding: the standard alphabet only, length a multiple of 4, padding only at the
// end, no whitespace, unused bits zero. False (and `out` unspecified) on anything else.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace tripstream
