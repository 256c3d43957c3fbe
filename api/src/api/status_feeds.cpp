#include "tripstream/api/status_feeds.hpp"

#include <nlohmann/json.hpp>

#include "tripstream/status/status_changes.hpp"
#include "tripstream/status/status_json.hpp"

namespace tripstream::api {
namespace {

// Texts come from the database (errors, sources); a stray invalid byte must not fail a frame.
std::string text(const nlohmann::json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::SseFrame frame(std::string_view event, const status::JobStatus& job) {
    return std::make_shared<const std::string>(http::sse_frame(event, text(status::to_json(job))));
}

bool is_final(status::JobState state) {
    return state == status::JobState::completed || state == status::JobState::failed;
}

const status::JobStatus* find_job(const status::IngestionStatus& s, const std::string& id) {
    for (const auto& job : s.jobs)
        if (job.id == id) return &job;
    return nullptr;
}

// One job as a one-job status, so status_changed() decides what is news for it too.
status::IngestionStatus only_job(const status::JobStatus& job) {
    status::IngestionStatus s;
    s.jobs.push_back(job);
    return s;
}

}  // namespace

void StatusFeed::start(std::function<void()> notify) {
    subscription_ = hub_.subscribe(std::move(notify));
}

http::FeedBatch StatusFeed::next() {
    http::FeedBatch batch;
    batch.finished = hub_.stopped();
    auto snapshot = hub_.latest();
    if (!snapshot || (last_ && snapshot->version <= last_->version)) return batch;
    batch.frames.push_back(snapshot->frame);
    if (last_) {
        for (const auto& job : status::newly_completed_jobs(last_->status, snapshot->status))
            batch.frames.push_back(frame("completed", job));
    }
    last_ = std::move(snapshot);
    return batch;
}

void StatusFeed::stop() {
    hub_.unsubscribe(subscription_);
}

JobStatusFeed::JobStatusFeed(StatusHub& hub, status::JobStatus job, RunBlocking run_blocking)
    : hub_(hub), id_(job.id), run_blocking_(std::move(run_blocking)), job_(std::move(job)) {
    const auto latest = hub_.latest();
    seen_version_ = latest ? latest->version : 0;
}

void JobStatusFeed::start(std::function<void()> notify) {
    {
        std::lock_guard lock(mutex_);
        notify_ = notify;
    }
    subscription_ = hub_.subscribe(std::move(notify));
}

http::FeedBatch JobStatusFeed::next() {
    http::FeedBatch batch;
    // The hub's snapshot lists the recent jobs: taking the job from it costs nothing, so
    // many subscribers of one job cost no query per change. An older job is read alone.
    if (const auto snapshot = hub_.latest(); snapshot && snapshot->version > seen_version_) {
        seen_version_ = snapshot->version;
        if (const auto* listed = find_job(snapshot->status, id_)) {
            std::lock_guard lock(mutex_);
            job_ = *listed;
        } else {
            read_unlisted_job();
        }
    }
    status::JobStatus job;
    {
        std::lock_guard lock(mutex_);
        job = job_;
    }
    if (!sent_ || status::status_changed(only_job(*sent_), only_job(job))) {
        batch.frames.push_back(frame("status", job));
        if (is_final(job.state)) {
            batch.frames.push_back(frame(status::to_string(job.state), job));
            batch.finished = true;
        }
        sent_ = std::move(job);
    }
    if (hub_.stopped()) batch.finished = true;
    return batch;
}

// Off the event loop; the feed is told to look again when the read is done. A database
// hiccup ends nothing: the next snapshot tries again.
void JobStatusFeed::read_unlisted_job() {
    {
        std::lock_guard lock(mutex_);
        if (reading_ || !run_blocking_) return;
        reading_ = true;
    }
    run_blocking_([self = shared_from_this()] {
        std::optional<status::JobStatus> read;
        try {
            read = self->hub_.read_now(self->id_).jobs.at(0);
        } catch (const std::exception&) {
        }
        std::lock_guard lock(self->mutex_);
        if (read) self->job_ = std::move(*read);
        self->reading_ = false;
        if (self->notify_) self->notify_();
    });
}

void JobStatusFeed::stop() {
    hub_.unsubscribe(subscription_);
    std::lock_guard lock(mutex_);
    notify_ = nullptr;
}

}  // namespace tripstream::api
