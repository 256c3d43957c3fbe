#include "tripstream/http/http_date.hpp"

#include <ctime>

namespace tripstream::http {

const std::string& http_date_now() {
    thread_local std::time_t formatted_second = -1;
    thread_local std::string text;
    const std::time_t now = std::time(nullptr);
    if (now != formatted_second) {
        std::tm utc{};
        gmtime_r(&now, &utc);
        char buffer[64];
        const size_t n = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
        text.assign(buffer, n);
        formatted_second = now;
    }
    return text;
}

}  // namespace tripstream::http
