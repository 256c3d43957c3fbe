// Minimal plain-text logging to stderr: one line per event, "<UTC timestamp> <level>
// <program>: <message>" (e.g. "2026-01-05T10:00:00.123Z INFO  consumer: ..."); the message is
// free text, not key=value or JSON fields.
// A Logger is a value passed to whoever logs; there is no global logger.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include "tripstream/config.hpp"

namespace tripstream {

class Logger {
  public:
    Logger(std::string program, LogLevel level) : program_(std::move(program)), level_(level) {}

    void debug(std::string_view message) const { write(LogLevel::debug, message); }
    void info(std::string_view message) const { write(LogLevel::info, message); }
    void warn(std::string_view message) const { write(LogLevel::warn, message); }
    void error(std::string_view message) const { write(LogLevel::error, message); }
    bool enabled(LogLevel level) const { return level >= level_; }

  private:
    void write(LogLevel level, std::string_view message) const;

    std::string program_;
    LogLevel level_;
};

// Concatenates its arguments with operator<< (a stand-in for std::format, absent in g++ 12).
template <typename... Args>
std::string cat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

}  // namespace tripstream
