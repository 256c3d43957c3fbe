#include "tripstream/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace tripstream {
namespace {

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "DEBUG";
        case LogLevel::info:
            return "INFO";
        case LogLevel::warn:
            return "WARN";
        case LogLevel::error:
            return "ERROR";
    }
    return "?";
}

}  // namespace

void Logger::write(LogLevel level, std::string_view message) const {
    if (!enabled(level)) return;
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    // One fprintf per line keeps lines whole when several threads log.
    std::fprintf(stderr, "%s.%03dZ %-5s %s: %.*s\n", stamp, static_cast<int>(millis),
                 level_name(level), program_.c_str(), static_cast<int>(message.size()),
                 message.data());
}

}  // namespace tripstream
