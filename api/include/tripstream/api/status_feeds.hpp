// The ingestion status as event-stream feeds (http::EventFeed) over the StatusHub: the
// server writes what they return whenever the hub publishes, so a subscriber costs no thread.
//
// StatusFeed (GET /v1/ingestion/events): `status` (the whole status, the hub's frame shared by
// every subscriber) on every change, and one `completed` (the job) per job that completes
// while connected.
// JobStatusFeed (GET /v1/ingestions/{id}/events): `status` (the job) when it changes, then
// `completed` or `failed` and the end.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "tripstream/api/status_hub.hpp"
#include "tripstream/http/event_feed.hpp"

namespace tripstream::api {

// Runs blocking work (a database read) off the event loop.
using RunBlocking = std::function<void(std::function<void()>)>;

class StatusFeed final : public http::EventFeed {
  public:
    explicit StatusFeed(StatusHub& hub) : hub_(hub) {}
    void start(std::function<void()> notify) override;
    http::FeedBatch next() override;
    void stop() override;

  private:
    StatusHub& hub_;
    uint64_t subscription_ = 0;
    std::shared_ptr<const StatusSnapshot> last_;
};

class JobStatusFeed final : public http::EventFeed,
                            public std::enable_shared_from_this<JobStatusFeed> {
  public:
    // `job` is the job as read when the stream was asked for.
    JobStatusFeed(StatusHub& hub, status::JobStatus job, RunBlocking run_blocking);
    void start(std::function<void()> notify) override;
    http::FeedBatch next() override;
    void stop() override;

  private:
    void read_unlisted_job();

    StatusHub& hub_;
    const std::string id_;
    RunBlocking run_blocking_;
    std::function<void()> notify_;
    uint64_t subscription_ = 0;
    uint64_t seen_version_ = 0;
    std::optional<status::JobStatus> sent_;
    std::mutex mutex_;  // guards job_, reading_ and notify_: a blocking read uses them
    status::JobStatus job_;
    bool reading_ = false;
};

}  // namespace tripstream::api
