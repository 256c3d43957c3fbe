// SIGINT/SIGTERM handling without a global: the signals are blocked in every thread and one
// watcher thread waits for them with sigwait(), raising a flag the work loop polls. A second
// signal ends the process at once (exit code 128 + signal).
//
// Construct it first in main(), before any other thread starts, so that every thread
// inherits the blocked signal mask.
#pragma once

#include <atomic>
#include <thread>

namespace tripstream {

class ShutdownSignal {
  public:
    ShutdownSignal();
    ~ShutdownSignal();
    ShutdownSignal(const ShutdownSignal&) = delete;
    ShutdownSignal& operator=(const ShutdownSignal&) = delete;

    const std::atomic<bool>& requested() const { return requested_; }
    // The signal received (SIGINT, SIGTERM), 0 when none.
    int signal_number() const { return signal_.load(); }
    // Exit code convention for an interrupted run: 128 + signal number.
    int exit_code() const { return 128 + signal_number(); }

  private:
    void watch();

    std::atomic<bool> requested_{false};
    std::atomic<int> signal_{0};
    std::thread watcher_;
};

}  // namespace tripstream
