#include "tripstream/process/stoppable_thread.hpp"

#include <utility>

namespace tripstream::process {

void StoppableThread::start(std::function<void()> body) {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread(std::move(body));
}

void StoppableThread::stop() {
    {
        // Under the sleepers' mutex, so a sleep_for() between its check and its wait cannot
        // miss the notification.
        const std::lock_guard lock(wake_mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool StoppableThread::sleep_for(std::chrono::milliseconds delay) {
    std::unique_lock lock(wake_mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stop_.load(); });
}

}  // namespace tripstream::process
