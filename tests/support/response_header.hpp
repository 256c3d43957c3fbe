// A response header as handler tests read it: the first value under `name`, or nullopt.
#pragma once

#include <optional>
#include <string>

#include "tripstream/http/http_message.hpp"

namespace tripstream::test {

inline std::optional<std::string> response_header(const http::HttpResponse& response,
                                                  const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) return value;
    }
    return std::nullopt;
}

}  // namespace tripstream::test
