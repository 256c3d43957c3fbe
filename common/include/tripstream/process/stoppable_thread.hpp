// A background thread that is asked to stop rather than killed: its body checks stopping()
// (or hands stop_flag() to long reads) and sleeps with sleep_for(), which stop() interrupts.
// The followers of the database (LiveTripIndex, LiveCellCounts) each run their loop on one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tripstream::process {

class StoppableThread {
  public:
    StoppableThread() = default;
    ~StoppableThread() { stop(); }
    StoppableThread(const StoppableThread&) = delete;
    StoppableThread& operator=(const StoppableThread&) = delete;

    // Runs `body` on a new thread; nothing when one is running already.
    void start(std::function<void()> body);
    // Asks the body to stop, wakes its sleep and joins it. Safe to call more than once.
    void stop();

    bool stopping() const { return stop_.load(); }
    const std::atomic<bool>& stop_flag() const { return stop_; }
    // Sleeps up to `delay`; false when stop() was called meanwhile.
    bool sleep_for(std::chrono::milliseconds delay);

  private:
    std::atomic<bool> stop_{false};
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace tripstream::process
