// The standing weekly-average query's feed (GET /v1/trips/weekly-average/events) against a
// fake index, a fake clock and a worker pool the test runs by hand: the first answer at once,
// an event only when the answer (or its stale state) changes, at most one computation and one
// event per interval however many snapshots come, always ending with the newest snapshot's
// answer, nothing computed on the caller's thread, a refusal ending the stream, and no call
// after stop(). Also the index's listener registry (IndexListeners) and the handler's 400s,
// 503 and version header.
#include "tripstream/api/weekly_average_feed.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "tripstream/api/weekly_average_handler.hpp"

namespace tripstream::api {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A live index as the feed sees it: the current answer, and listeners told of each change.
struct FakeIndex {
    std::optional<query::IndexAnswer> current;
    std::optional<query::ParameterError> refuse;
    query::IndexListeners listeners;
    int computations = 0;

    // A new snapshot with `trips` in the one week of the answer.
    void publish(int64_t trips, double stale_since = 0) {
        query::IndexAnswer next;
        next.snapshot_version = current ? current->snapshot_version + 1 : 1;
        next.snapshot_trips = 1000 + trips;
        next.stale_since_unix_seconds = stale_since;
        next.result.region = "Prague";
        next.result.from_days = 20458;  // 2026-01-05, a Monday
        next.result.to_days = 20464;
        next.result.weeks = 1;
        next.result.total_trips = trips;
        next.result.weekly_average = static_cast<double>(trips);
        next.result.series = {{20458, trips}};
        current = next;
        listeners.notify();
    }

    WeeklyAverageSource source(std::deque<std::function<void()>>& workers) {
        return {[this](const query::WeeklyAverageRequest&) {
                    ++computations;
                    if (refuse) throw query::RequestError(*refuse);
                    return current;
                },
                [this](std::function<void()> f) { return listeners.subscribe(std::move(f)); },
                [&workers](std::function<void()> work) { workers.push_back(std::move(work)); },
                Logger("weekly_average_feed_test", LogLevel::error)};
    }
};

class WeeklyAverageFeedTest : public ::testing::Test {
  protected:
    std::shared_ptr<WeeklyAverageFeed> open(std::optional<query::IndexAnswer> first) {
        WeeklyAverageFeedOptions options;
        options.min_interval = 250ms;
        options.now = [this] { return now_; };
        auto feed = std::make_shared<WeeklyAverageFeed>(query::WeeklyAverageRequest{}, first,
                                                        index_.source(workers_), options);
        feed->start([this] { ++notified_; });
        return feed;
    }

    // Runs the queued computations, as the worker pool would.
    int run_workers() {
        int ran = 0;
        while (!workers_.empty()) {
            auto work = std::move(workers_.front());
            workers_.pop_front();
            work();
            ++ran;
        }
        return ran;
    }

    // A second later (past the interval): the feed computes on the workers and returns what
    // it then sends.
    http::FeedBatch later(WeeklyAverageFeed& feed) {
        now_ += 1s;
        feed.next();
        run_workers();
        return feed.next();
    }

    // The events of one next(): (event name, data) pairs.
    static std::vector<std::pair<std::string, nlohmann::json>> events(const http::FeedBatch& b) {
        std::vector<std::pair<std::string, nlohmann::json>> out;
        for (const auto& frame : b.frames) {
            const std::string& text = *frame;
            const size_t data = text.find("\ndata: ");
            EXPECT_EQ(text.rfind("event: ", 0), 0u) << text;
            EXPECT_EQ(text.substr(text.size() - 2), "\n\n") << text;
            out.emplace_back(text.substr(7, data - 7),
                             nlohmann::json::parse(text.substr(data + 7, text.size() - data - 9)));
        }
        return out;
    }

    FakeIndex index_;
    std::deque<std::function<void()>> workers_;
    Clock::time_point now_ = Clock::time_point{} + 1h;
    int notified_ = 0;
};

TEST_F(WeeklyAverageFeedTest, SendsTheFirstAnswerAtOnceWithItsSnapshot) {
    index_.publish(412);
    auto feed = open(index_.current);
    const auto sent = events(feed->next());
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].first, "answer");
    EXPECT_EQ(sent[0].second["total_trips"], 412);
    EXPECT_EQ(sent[0].second["from"], "2026-01-05");
    EXPECT_EQ(sent[0].second["series"][0]["trips"], 412);
    EXPECT_EQ(sent[0].second["snapshot"], (nlohmann::json{{"version", 1}, {"trips", 1412}}));
    EXPECT_TRUE(sent[0].second["stale_since"].is_null());
    feed->stop();
}

TEST_F(WeeklyAverageFeedTest, ASnapshotThatChangesNothingSendsNothing) {
    index_.publish(412);
    auto feed = open(index_.current);
    ASSERT_EQ(events(feed->next()).size(), 1u);
    now_ += 300ms;
    index_.publish(412);  // another snapshot, the same answer (a batch outside the box)
    EXPECT_GT(notified_, 0);
    ASSERT_TRUE(feed->next().frames.empty());
    EXPECT_EQ(run_workers(), 1);
    EXPECT_TRUE(feed->next().frames.empty());
    feed->stop();
}

TEST_F(WeeklyAverageFeedTest, CoalescesABurstAndEndsWithTheNewestSnapshot) {
    index_.publish(1);
    auto feed = open(index_.current);
    ASSERT_EQ(events(feed->next()).size(), 1u);  // at t0

    // A burst of 10 snapshots within 100 ms: held back until t0 + 250 ms.
    const auto t0 = now_;
    for (int i = 2; i <= 11; ++i) {
        now_ += 10ms;
        index_.publish(i);
        const auto b = feed->next();
        EXPECT_TRUE(b.frames.empty());
        ASSERT_TRUE(b.next_after.has_value());
        EXPECT_EQ(*b.next_after, t0 + 250ms - now_);
        EXPECT_TRUE(workers_.empty()) << "computed before its interval";
    }
    now_ = t0 + 250ms;
    ASSERT_TRUE(feed->next().frames.empty());
    ASSERT_EQ(workers_.size(), 1u);
    index_.publish(12);  // while the computation is queued: it reads this one
    ASSERT_EQ(run_workers(), 1);
    index_.publish(13);  // after it ran: one more computation is owed
    now_ += 5ms;
    auto sent = events(feed->next());
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].second["total_trips"], 12);
    EXPECT_EQ(sent[0].second["snapshot"]["version"], 12);

    // The owed computation waits for 250 ms after that event, then the newest answer comes.
    const auto b = feed->next();
    EXPECT_TRUE(b.frames.empty());
    EXPECT_EQ(b.next_after, 250ms);
    EXPECT_TRUE(workers_.empty());
    now_ += 250ms;
    EXPECT_TRUE(feed->next().frames.empty());
    ASSERT_EQ(run_workers(), 1);
    sent = events(feed->next());
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].second["total_trips"], 13);
    EXPECT_EQ(sent[0].second["snapshot"]["version"], 13);
    EXPECT_FALSE(feed->next().next_after.has_value()) << "nothing left to compute";
    // 13 snapshots, two computations of the feed (the first answer was the handler's).
    EXPECT_EQ(index_.computations, 2);
    feed->stop();
}

TEST_F(WeeklyAverageFeedTest, AStaleIndexIsNewsAndSaysSinceWhen) {
    index_.publish(7);
    auto feed = open(index_.current);
    ASSERT_EQ(events(feed->next()).size(), 1u);
    // The database is lost: the same snapshot, now stale (2026-01-05T10:11:12.75Z).
    auto stale = *index_.current;
    stale.stale_since_unix_seconds = 1767607872.75;
    index_.current = stale;
    index_.listeners.notify();
    const auto sent = events(later(*feed));
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].second["total_trips"], 7);
    EXPECT_EQ(sent[0].second["stale_since"], "2026-01-05T10:11:12Z");
    feed->stop();
}

TEST_F(WeeklyAverageFeedTest, WaitsForAnIndexThatIsNotLoadedThenAnswersAtOnce) {
    auto feed = open(std::nullopt);
    EXPECT_TRUE(feed->next().frames.empty());
    EXPECT_EQ(run_workers(), 1);  // still loading: nothing to send
    EXPECT_TRUE(feed->next().frames.empty());
    index_.publish(99);  // loaded: no interval to wait, nothing was sent yet
    EXPECT_TRUE(feed->next().frames.empty());
    EXPECT_EQ(run_workers(), 1);
    const auto sent = events(feed->next());
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].second["total_trips"], 99);
    feed->stop();
}

TEST_F(WeeklyAverageFeedTest, AnIndexThatStopsAnsweringKeepsTheLastAnswer) {
    index_.publish(5);
    auto feed = open(index_.current);
    ASSERT_EQ(events(feed->next()).size(), 1u);
    index_.current.reset();  // reloading
    index_.listeners.notify();
    EXPECT_TRUE(later(*feed).frames.empty());
    index_.publish(5);  // reloaded, same answer: nothing to say
    EXPECT_TRUE(later(*feed).frames.empty());
    feed->stop();
}

TEST_F(WeeklyAverageFeedTest, AnswerTheDataNoLongerAllowsEndsTheStreamWithAnError) {
    index_.publish(5);
    auto feed = open(index_.current);
    ASSERT_EQ(events(feed->next()).size(), 1u);
    index_.refuse = query::ParameterError{"to", "the range spans more than 1044 weeks"};
    const auto b = later(*feed);
    EXPECT_TRUE(b.finished);
    const auto sent = events(b);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].first, "error");
    EXPECT_EQ(sent[0].second["status"], 400);
    EXPECT_EQ(sent[0].second["parameter"], "to");
    feed->stop();
}

TEST_F(WeeklyAverageFeedTest, StopUnsubscribesAndQuietsAComputationInFlight) {
    index_.publish(5);
    auto feed = open(index_.current);
    EXPECT_EQ(index_.listeners.size(), 1u);
    feed->next();
    now_ += 1s;
    feed->next();
    ASSERT_EQ(workers_.size(), 1u);
    feed->stop();
    EXPECT_EQ(index_.listeners.size(), 0u);
    const int before = notified_;
    index_.publish(6);
    run_workers();  // holds the feed alive; tells no one
    EXPECT_EQ(notified_, before);
}

TEST(IndexListeners, CallEverySubscriberUntilItsTokenGoes) {
    query::IndexListeners listeners;
    int a = 0;
    int b = 0;
    auto first = listeners.subscribe([&] { ++a; });
    {
        auto second = listeners.subscribe([&] { ++b; });
        listeners.notify();
        EXPECT_EQ(listeners.size(), 2u);
    }
    listeners.notify();
    EXPECT_EQ(a, 2);
    EXPECT_EQ(b, 1);
    query::IndexListeners::Subscription moved = std::move(first);
    listeners.notify();
    EXPECT_EQ(a, 3);
    moved.reset();
    listeners.notify();
    EXPECT_EQ(a, 3);
    EXPECT_EQ(listeners.size(), 0u);
}

TEST(IndexListeners, ATokenMayOutliveItsRegistry) {
    query::IndexListeners::Subscription token;
    {
        query::IndexListeners listeners;
        token = listeners.subscribe([] {});
    }
    token.reset();  // nothing to remove, nothing to crash
    SUCCEED();
}

// The handler: the plain route's 400s before any stream, 503 without an index, the snapshot's
// number as a header on the plain answer.
class WeeklyAverageEventsHandler : public ::testing::Test {
  protected:
    WeeklyAverageEventsHandler() {
        index_.publish(42);
        services_.fast_weekly_average = index_.source(workers_).answer;
        services_.subscribe_index = index_.source(workers_).subscribe;
    }

    http::HttpResponse events(std::map<std::string, std::string> query) {
        http::HttpRequest request;
        request.query = std::move(query);
        return weekly_average_events(services_, request);
    }

    FakeIndex index_;
    std::deque<std::function<void()>> workers_;
    ApiServices services_;
};

TEST_F(WeeklyAverageEventsHandler, RefusesWhatThePlainRequestRefusesBeforeStreaming) {
    for (const auto& [query, parameter] :
         std::vector<std::pair<std::map<std::string, std::string>, std::string>>{
             {{{"bbox", "1,2,3"}}, "bbox"},
             {{{"region", "Prague"}, {"match", "all"}}, "match"},
             {{{"region", "Prague"}, {"bbbox", "1,2,3,4"}}, "bbbox"},
             {{}, "region"}}) {
        const auto response = events(query);
        EXPECT_EQ(response.status, 400);
        EXPECT_EQ(response.events, nullptr);
        EXPECT_EQ(nlohmann::json::parse(response.body)["parameter"], parameter) << response.body;
    }
    index_.refuse = query::ParameterError{"region", "unknown region 'Atlantis'"};
    const auto unknown = events({{"region", "Atlantis"}});
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(nlohmann::json::parse(unknown.body)["parameter"], "region");
}

TEST_F(WeeklyAverageEventsHandler, StreamsWithAnIndexAndIs503WithoutOne) {
    const auto ok = events({{"region", "Prague"}});
    ASSERT_NE(ok.events, nullptr);
    services_.subscribe_index = nullptr;
    const auto none = events({{"region", "Prague"}});
    EXPECT_EQ(none.status, 503);
    EXPECT_EQ(none.events, nullptr);
}

TEST_F(WeeklyAverageEventsHandler, ThePlainAnswerNamesItsSnapshot) {
    http::HttpRequest request;
    request.query = {{"region", "Prague"}};
    index_.publish(43);
    const auto response = weekly_average(services_, request);
    ASSERT_EQ(response.status, 200);
    std::optional<std::string> version;
    for (const auto& [name, value] : response.headers)
        if (name == kIndexVersionHeader) version = value;
    EXPECT_EQ(version, "2");
}

}  // namespace
}  // namespace tripstream::api
