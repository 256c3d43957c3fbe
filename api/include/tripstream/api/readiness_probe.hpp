// What GET /readyz answers: the last result of checks that background threads repeat (every
// 2 s by default, one thread per dependency so that a hanging database does not hide Kafka's
// state), so a probe costs a mutex and a copy, however often a load balancer asks, and no
// request ever opens a client or a connection. A result older than `max_age` (its check hangs)
// counts as not ready. The report holds fixed words only ("ok", "unavailable", "unknown"):
// an error's own text can name a host or a user, so it goes to the log, once per change.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tripstream/log.hpp"

namespace tripstream::api {

struct ReadinessReport {
    struct Dependency {
        std::string name;    // "database", "kafka"
        std::string result;  // "ok", "unavailable" (its check failed), "unknown" (no fresh check)
    };
    bool ready = false;  // every dependency "ok"
    std::vector<Dependency> dependencies;
    std::optional<int64_t> checked_ms_ago;  // age of the oldest result; none before all ran
};

class ReadinessProbe {
  public:
    using Clock = std::chrono::steady_clock;
    struct Dependency {
        std::string name;
        std::function<void()> check;  // returns when usable, throws why not
    };
    struct Timing {
        std::chrono::milliseconds interval{2000};  // between the end of a check and the next
        std::chrono::milliseconds max_age{10000};  // an older result is "unknown"
    };

    ReadinessProbe(std::vector<Dependency> dependencies, Logger log, Timing timing);
    ~ReadinessProbe();  // stops the threads
    ReadinessProbe(const ReadinessProbe&) = delete;
    ReadinessProbe& operator=(const ReadinessProbe&) = delete;

    // Starts one thread per dependency, each checking at once and then every interval.
    void start();
    // Stops them; waits for checks in progress to return.
    void stop();
    // Runs every check once on the calling thread (tests).
    void check_now();

    ReadinessReport report(Clock::time_point now = Clock::now()) const;

  private:
    struct Result {
        std::optional<Clock::time_point> checked_at;
        bool ok = false;
        std::string error;  // for the log only
    };

    void check(size_t index);
    void loop(size_t index);

    std::vector<Dependency> dependencies_;
    Logger log_;
    Timing timing_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::vector<Result> results_;
    std::vector<std::thread> threads_;
};

}  // namespace tripstream::api
