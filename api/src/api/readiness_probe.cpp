#include "tripstream/api/readiness_probe.hpp"

namespace tripstream::api {

ReadinessProbe::ReadinessProbe(std::vector<Dependency> dependencies, Logger log, Timing timing)
    : dependencies_(std::move(dependencies)),
      log_(std::move(log)),
      timing_(timing),
      results_(dependencies_.size()) {}

ReadinessProbe::~ReadinessProbe() {
    stop();
}

void ReadinessProbe::start() {
    std::lock_guard lock(mutex_);
    if (!threads_.empty()) return;  // running already
    stopping_ = false;
    for (size_t i = 0; i < dependencies_.size(); ++i)
        threads_.emplace_back([this, i] { loop(i); });
}

void ReadinessProbe::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

void ReadinessProbe::check_now() {
    for (size_t i = 0; i < dependencies_.size(); ++i)
        check(i);
}

void ReadinessProbe::loop(size_t index) {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        check(index);
        lock.lock();
        wake_.wait_for(lock, timing_.interval, [this] { return stopping_; });
    }
}

// Runs one check outside the lock (it may take seconds) and logs the first result and every
// change of result or error text, not every repetition.
void ReadinessProbe::check(size_t index) {
    const Dependency& dependency = dependencies_[index];
    Result result;
    try {
        dependency.check();
        result.ok = true;
    } catch (const std::exception& e) {
        result.error = e.what();
    } catch (...) {
        result.error = "unknown error";
    }
    result.checked_at = Clock::now();
    std::lock_guard lock(mutex_);
    Result& last = results_[index];
    if (!last.checked_at || last.ok != result.ok || last.error != result.error) {
        if (result.ok)
            log_.info(cat("readiness: ", dependency.name, " is available"));
        else
            log_.warn(cat("readiness: ", dependency.name, " is unavailable: ", result.error));
    }
    last = std::move(result);
}

ReadinessReport ReadinessProbe::report(Clock::time_point now) const {
    ReadinessReport report;
    report.ready = true;
    bool all_checked = true;
    int64_t oldest_ms = 0;
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < dependencies_.size(); ++i) {
        const Result& r = results_[i];
        std::string word = "unknown";
        if (r.checked_at) {
            const int64_t ms = std::max<int64_t>(
                0,
                std::chrono::duration_cast<std::chrono::milliseconds>(now - *r.checked_at).count());
            oldest_ms = std::max(oldest_ms, ms);
            if (ms <= timing_.max_age.count()) word = r.ok ? "ok" : "unavailable";
        } else {
            all_checked = false;
        }
        report.ready = report.ready && word == "ok";
        report.dependencies.push_back({dependencies_[i].name, std::move(word)});
    }
    if (all_checked) report.checked_ms_ago = oldest_ms;
    return report;
}

}  // namespace tripstream::api
