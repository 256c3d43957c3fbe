// Progress for long work: a live bar (count, rate, ETA) on a terminal, or a log line every
// few seconds when stderr is a file or pipe. Runs on its own thread and only reads the
// snapshot function it is given, so the hot loop pays nothing but relaxed atomic counters.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "tripstream/log.hpp"

namespace tripstream {

struct ProgressSnapshot {
    uint64_t done = 0;     // rows so far
    double fraction = -1;  // of the whole job in [0, 1], negative when unknown
    std::string extra;     // appended as is, e.g. "rejected 3"
};

enum class ProgressMode { automatic, bar, log, none };

// "auto", "bar", "log" or "none"; false for anything else.
bool parse_progress_mode(const std::string& text, ProgressMode& mode);

// "1.2M", "35.0k", "999".
std::string human_count(double value);
// "1h02m", "4m05s", "12s".
std::string human_duration(double seconds);

class ProgressReporter {
  public:
    ProgressReporter(std::string label, std::function<ProgressSnapshot()> snapshot,
                     ProgressMode mode, const Logger& logger);
    ~ProgressReporter();  // stops and, for a bar, ends the line
    ProgressReporter(const ProgressReporter&) = delete;
    ProgressReporter& operator=(const ProgressReporter&) = delete;

    void stop();

  private:
    void loop();
    void render(bool final);

    std::string label_;
    std::function<ProgressSnapshot()> snapshot_;
    bool bar_ = false;
    const Logger& logger_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace tripstream
