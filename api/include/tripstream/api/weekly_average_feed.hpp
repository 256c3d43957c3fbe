// A standing weekly-average query as an event-stream feed (GET
// /v1/trips/weekly-average/events, docs/api.md): the answer of the in-memory index's current
// snapshot at once, then again whenever a new snapshot (or the index's state: stale,
// following) changes it.
//
// The index tells the feed that something changed (LiveTripIndex::subscribe); the feed then
// recomputes on the worker pool (run_blocking: a query can take milliseconds, the streams'
// event loop must not wait for it) and sends the answer only if it differs from the one last
// sent. At most one computation runs per feed, and one starts at most once per min_interval
// after the last one and after the last event: a burst of batches costs a few computations,
// the client gets at most a few events per second, and the last one always comes from the
// newest snapshot (a change during a computation makes the feed compute again when allowed).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/event_feed.hpp"
#include "tripstream/query/index_answer.hpp"
#include "tripstream/query/index_listeners.hpp"

namespace tripstream::api {

struct WeeklyAverageFeedOptions {
    std::chrono::milliseconds min_interval{250};  // at most 4 computations and events a second
    std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

// Where a feed gets its answers and hears of changes: the live index, or fakes in tests.
struct WeeklyAverageSource {
    FastWeeklyAverage answer;  // throws query::RequestError
    SubscribeIndex subscribe;
    // Runs a computation off the event loop; empty: in the caller (tests).
    std::function<void(std::function<void()>)> run_blocking;
    Logger log{"api", LogLevel::info};
};

// The event's data: the plain request's JSON plus the snapshot that answered
// ({"version", "trips"}) and "stale_since" (RFC 3339, or null while the index follows).
nlohmann::json weekly_average_event_json(const query::IndexAnswer& answer);

// Whether `after` is news to a client that has `before`: another range, count or series, or
// another stale state. A new snapshot with the same answer is not.
bool weekly_average_changed(const query::IndexAnswer& before, const query::IndexAnswer& after);

class WeeklyAverageFeed final : public http::EventFeed,
                                public std::enable_shared_from_this<WeeklyAverageFeed> {
  public:
    // `first` is the answer computed when the stream was asked for; nullopt while the index
    // is not loaded (the first event then follows its first snapshot).
    WeeklyAverageFeed(query::WeeklyAverageRequest request, std::optional<query::IndexAnswer> first,
                      WeeklyAverageSource source, WeeklyAverageFeedOptions options = {});
    void start(std::function<void()> notify) override;
    http::FeedBatch next() override;
    void stop() override;

  private:
    using Clock = std::chrono::steady_clock;

    void on_index_change();
    void compute();

    const query::WeeklyAverageRequest request_;
    const WeeklyAverageSource source_;
    const WeeklyAverageFeedOptions options_;

    std::mutex mutex_;  // guards what the index's thread and the workers touch, below
    std::function<void()> notify_;
    query::IndexListeners::Subscription subscription_;
    bool stopped_ = false;
    bool changed_ = false;    // the index changed since the last computation started
    bool computing_ = false;  // a computation is queued or running
    Clock::time_point computed_at_;
    std::optional<query::IndexAnswer> latest_;      // the newest computed answer
    std::optional<query::ParameterError> refused_;  // the data can no longer answer

    // The event loop's own (next() is never called concurrently).
    std::optional<query::IndexAnswer> sent_;
    Clock::time_point sent_at_;
};

}  // namespace tripstream::api
