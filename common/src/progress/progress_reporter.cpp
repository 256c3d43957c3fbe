#include "tripstream/progress/progress_reporter.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace tripstream {
namespace {

constexpr auto kBarInterval = std::chrono::milliseconds(250);
constexpr auto kLogInterval = std::chrono::seconds(5);
constexpr int kBarWidth = 24;

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

bool parse_progress_mode(const std::string& text, ProgressMode& mode) {
    if (text == "auto")
        mode = ProgressMode::automatic;
    else if (text == "bar")
        mode = ProgressMode::bar;
    else if (text == "log")
        mode = ProgressMode::log;
    else if (text == "none")
        mode = ProgressMode::none;
    else
        return false;
    return true;
}

std::string human_count(double value) {
    if (value >= 1e9) return fixed(value / 1e9, 2) + "G";
    if (value >= 1e6) return fixed(value / 1e6, 2) + "M";
    if (value >= 1e4) return fixed(value / 1e3, 1) + "k";
    return fixed(value, 0);
}

std::string human_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

ProgressReporter::ProgressReporter(std::string label, std::function<ProgressSnapshot()> snapshot,
                                   ProgressMode mode, const Logger& logger)
    : label_(std::move(label)), snapshot_(std::move(snapshot)), logger_(logger) {
    if (mode == ProgressMode::automatic) {
        mode = ::isatty(STDERR_FILENO) ? ProgressMode::bar : ProgressMode::log;
    }
    if (mode == ProgressMode::none) return;
    bar_ = mode == ProgressMode::bar;
    thread_ = std::thread([this] { loop(); });
}

ProgressReporter::~ProgressReporter() {
    stop();
}

void ProgressReporter::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
        render(true);
    }
}

void ProgressReporter::loop() {
    std::unique_lock lock(mutex_);
    const auto interval = bar_
                              ? std::chrono::duration_cast<std::chrono::milliseconds>(kBarInterval)
                              : std::chrono::duration_cast<std::chrono::milliseconds>(kLogInterval);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
        lock.unlock();
        // Progress is cosmetic: a failure to render it (e.g. out of memory) must not end the
        // process through an exception leaving this thread.
        try {
            render(false);
        } catch (...) {
        }
        lock.lock();
    }
}

void ProgressReporter::render(bool final) {
    const ProgressSnapshot s = snapshot_();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const double rate = elapsed > 0 ? static_cast<double>(s.done) / elapsed : 0;
    std::string text = label_ + " " + human_count(static_cast<double>(s.done)) + " rows, " +
                       human_count(rate) + " rows/s";
    std::string bar;
    if (s.fraction >= 0) {
        const double f = std::min(1.0, s.fraction);
        const double eta = f > 0 ? elapsed * (1 - f) / f : NAN;
        text += ", " + fixed(100 * f, 1) + "%, ETA " + human_duration(eta);
        const int filled = static_cast<int>(f * kBarWidth);
        bar = "[" + std::string(static_cast<size_t>(filled), '#') +
              std::string(static_cast<size_t>(kBarWidth - filled), '.') + "] ";
    }
    if (!s.extra.empty()) text += ", " + s.extra;
    if (bar_) {
        std::fprintf(stderr, "\r\033[K%s%s%s", bar.c_str(), text.c_str(), final ? "\n" : "");
        std::fflush(stderr);
    } else if (!final) {
        logger_.info(text);
    }
}

}  // namespace tripstream
