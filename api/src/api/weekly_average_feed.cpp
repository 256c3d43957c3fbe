#include "tripstream/api/weekly_average_feed.hpp"

#include <algorithm>

#include "tripstream/api/weekly_average_handler.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/query/weekly_average_json.hpp"

namespace tripstream::api {
namespace {

http::SseFrame frame(std::string_view event, const std::string& data) {
    return std::make_shared<const std::string>(http::sse_frame(event, data));
}

bool same_series(const std::vector<query::WeekCount>& a, const std::vector<query::WeekCount>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.week_start_days == y.week_start_days && x.trips == y.trips;
    });
}

}  // namespace

nlohmann::json weekly_average_event_json(const query::IndexAnswer& answer) {
    nlohmann::json json = query::weekly_average_json(answer.result);
    json["snapshot"] = {{"version", answer.snapshot_version}, {"trips", answer.snapshot_trips}};
    json["stale_since"] = answer.stale_since_unix_seconds > 0
                              ? nlohmann::json(format_stale_since(answer.stale_since_unix_seconds))
                              : nlohmann::json(nullptr);
    return json;
}

bool weekly_average_changed(const query::IndexAnswer& before, const query::IndexAnswer& after) {
    const auto& a = before.result;
    const auto& b = after.result;
    return a.from_days != b.from_days || a.to_days != b.to_days || a.weeks != b.weeks ||
           a.total_trips != b.total_trips || !same_series(a.series, b.series) ||
           before.stale_since_unix_seconds != after.stale_since_unix_seconds;
}

WeeklyAverageFeed::WeeklyAverageFeed(query::WeeklyAverageRequest request,
                                     std::optional<query::IndexAnswer> first,
                                     WeeklyAverageSource source, WeeklyAverageFeedOptions options)
    : request_(std::move(request)),
      source_(std::move(source)),
      options_(std::move(options)),
      computed_at_(options_.now()),
      latest_(std::move(first)) {}

void WeeklyAverageFeed::start(std::function<void()> notify) {
    auto subscription = source_.subscribe([weak = weak_from_this()] {
        if (const auto self = weak.lock()) self->on_index_change();
    });
    const std::lock_guard lock(mutex_);
    notify_ = std::move(notify);
    subscription_ = std::move(subscription);
    // A snapshot published between the first answer and the subscription was heard by no
    // one: look once more.
    changed_ = true;
}

// On the index's thread: only flags the change and wakes the stream; next() decides when to
// compute.
void WeeklyAverageFeed::on_index_change() {
    const std::lock_guard lock(mutex_);
    changed_ = true;
    if (notify_) notify_();
}

http::FeedBatch WeeklyAverageFeed::next() {
    const auto now = options_.now();
    http::FeedBatch batch;
    bool compute_now = false;
    {
        const std::lock_guard lock(mutex_);
        if (refused_) {
            batch.frames.push_back(
                frame("error", http::problem(400, refused_->parameter + ": " + refused_->message,
                                             refused_->parameter)
                                   .body));
            batch.finished = true;
            return batch;
        }
        if (latest_ && (!sent_ || weekly_average_changed(*sent_, *latest_))) {
            batch.frames.push_back(frame("answer", weekly_average_event_json(*latest_).dump()));
            sent_ = latest_;
            sent_at_ = now;
        }
        if (changed_ && !computing_ && !stopped_) {
            // Until the first event the client waits for an index to load: no reason to wait.
            const auto due = sent_ ? std::max(computed_at_, sent_at_) + options_.min_interval : now;
            if (now >= due) {
                changed_ = false;
                computing_ = true;
                computed_at_ = now;
                compute_now = true;
            } else {
                batch.next_after = std::chrono::ceil<std::chrono::milliseconds>(due - now);
            }
        }
    }
    if (compute_now) {
        if (source_.run_blocking) {
            source_.run_blocking([self = shared_from_this()] { self->compute(); });
        } else {
            compute();
        }
    }
    return batch;
}

// Off the event loop. A failure other than a refusal changes nothing: the next change of the
// index computes again.
void WeeklyAverageFeed::compute() {
    std::optional<query::IndexAnswer> answer;
    std::optional<query::ParameterError> refused;
    try {
        answer = source_.answer(request_);
    } catch (const query::RequestError& e) {
        // The data moved under a request that had been answerable, e.g. an open range that
        // now spans more than kMaxWeeks: the stream ends with the plain request's 400.
        refused = e.error();
    } catch (const std::exception& e) {
        source_.log.warn(cat("weekly-average stream: cannot compute the answer: ", e.what()));
    }
    const std::lock_guard lock(mutex_);
    computing_ = false;
    if (refused) refused_ = std::move(refused);
    // Not loaded (reloading): the last answer sent stays the client's; the next snapshot
    // brings the next one.
    if (answer) latest_ = std::move(answer);
    if (notify_) notify_();
}

void WeeklyAverageFeed::stop() {
    query::IndexListeners::Subscription subscription;
    {
        const std::lock_guard lock(mutex_);
        stopped_ = true;
        notify_ = nullptr;
        subscription = std::move(subscription_);
    }
    // Outside the lock: the index may be calling on_index_change(), which takes it.
}

}  // namespace tripstream::api
