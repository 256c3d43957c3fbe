#include "tripstream/api/status_hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tripstream/db/pg_notifications.hpp"
#include "tripstream/process/background_priority.hpp"
#include "tripstream/status/status_changes.hpp"
#include "tripstream/status/status_json.hpp"

namespace tripstream::api {

StatusHub::StatusHub(const Config& config, db::ConnectionPool& pool, Logger log,
                     StatusHubOptions options)
    : config_(config), pool_(pool), log_(std::move(log)), options_(options) {}

StatusHub::~StatusHub() {
    stop();
}

void StatusHub::start() {
    notifier_ = std::thread([this] { run_notifier(); });
    thread_ = std::thread([this] { run(); });
}

void StatusHub::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    notify_subscribers();  // their feeds see stopped() and end
    {
        std::lock_guard lock(notify_mutex_);
        notifier_stop_ = true;
    }
    notify_wanted_.notify_one();
    if (notifier_.joinable()) notifier_.join();
}

uint64_t StatusHub::subscribe(std::function<void()> notify) {
    std::lock_guard lock(subscribers_mutex_);
    const uint64_t id = ++next_subscriber_;
    subscribers_.emplace(id, std::move(notify));
    return id;
}

void StatusHub::unsubscribe(uint64_t id) {
    std::lock_guard lock(subscribers_mutex_);
    subscribers_.erase(id);
}

size_t StatusHub::subscribers() const {
    std::lock_guard lock(subscribers_mutex_);
    return subscribers_.size();
}

void StatusHub::notify_subscribers() {
    {
        std::lock_guard lock(notify_mutex_);
        ++notify_requests_;
    }
    notify_wanted_.notify_one();
}

// Requests that come while a fan-out runs are served by one more fan-out: subscribers read
// the latest snapshot, so a burst of changes costs one round, not one per change. Before
// start() (tests) or after stop(), notify_subscribers() only counts.
void StatusHub::run_notifier() {
    if (!lower_to_background_priority()) log_.warn("status: cannot lower the notifier's priority");
    uint64_t served = 0;
    std::unique_lock lock(notify_mutex_);
    for (;;) {
        notify_wanted_.wait(lock, [&] { return notify_requests_ != served || notifier_stop_; });
        if (notify_requests_ == served) return;  // stopping, nothing left to announce
        served = notify_requests_;
        lock.unlock();
        {
            // Under this lock, so that no callback runs after its unsubscribe() has
            // returned; the callbacks only post work to an event loop.
            std::lock_guard subscribers(subscribers_mutex_);
            for (const auto& [id, notify] : subscribers_)
                notify();
        }
        lock.lock();
    }
}

std::vector<status::TopicEndOffsets> StatusHub::read_end_offsets() {
    std::vector<status::TopicEndOffsets> topics;
    for (const std::string& topic :
         {config_.kafka.topic, config_.kafka.dead_letter_topic, config_.kafka.jobs_topic}) {
        status::TopicEndOffsets t{topic, std::nullopt};
        try {
            if (!admin_) admin_ = std::make_unique<kafka::KafkaAdmin>(config_.kafka);
            t.end_offsets = admin_->end_offsets(topic, std::chrono::seconds(2));
        } catch (const std::exception& e) {
            // The status is still worth reporting without lag; the reader marks it unknown.
            log_.debug(cat("status: end offsets of ", topic, " unknown: ", e.what()));
        }
        topics.push_back(std::move(t));
    }
    return topics;
}

status::StatusScope StatusHub::scope(const std::optional<std::string>& job_id) {
    status::StatusScope s;
    s.consumer_group = config_.consumer.group_id;
    s.job_id = job_id;
    std::lock_guard lock(admin_mutex_);
    // Every status read needs Kafka's end offsets; many readers within half a second share
    // one round trip (status requests and per-job streams would otherwise each pay it).
    const auto now = std::chrono::steady_clock::now();
    if (!end_offsets_ || now - end_offsets_at_ > kEndOffsetsMaxAge) {
        end_offsets_ = read_end_offsets();
        end_offsets_at_ = std::chrono::steady_clock::now();
    }
    s.topics = *end_offsets_;
    return s;
}

status::IngestionStatus StatusHub::read_now(const std::optional<std::string>& job_id) {
    const status::StatusScope s = scope(job_id);
    auto conn = pool_.acquire();
    return status::read_ingestion_status(*conn, s);
}

std::shared_ptr<const StatusSnapshot> StatusHub::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

void StatusHub::refresh() {
    status::IngestionStatus now;
    const auto read_at = std::chrono::steady_clock::now();
    try {
        now = read_now(std::nullopt);
    } catch (const std::exception& e) {
        log_.debug(cat("status refresh failed: ", e.what()));
        next_expiry_ = std::chrono::steady_clock::time_point::max();  // the periodic read retries
        return;
    }
    // The earliest expiry of a live consumer's heartbeat, on the database clock and then on
    // ours (generated_at is the read's start, about `read_at`).
    next_expiry_ = std::chrono::steady_clock::time_point::max();
    const int64_t expiry_us =
        std::chrono::duration_cast<std::chrono::microseconds>(status::kHeartbeatExpiry).count();
    for (const auto& consumer : now.consumers) {
        if (!consumer.live) continue;
        const auto until = std::chrono::microseconds(
            std::max<int64_t>(0, consumer.last_heartbeat_us + expiry_us - now.generated_at_us));
        next_expiry_ = std::min(next_expiry_, read_at + until + options_.expiry_margin);
    }
    {
        std::lock_guard lock(mutex_);
        if (latest_ && !status::status_changed(latest_->status, now)) return;
        auto next = std::make_shared<StatusSnapshot>();
        next->version = latest_ ? latest_->version + 1 : 1;
        // Texts come from the database (consumer errors); a stray invalid byte must not stop
        // the status from being published.
        next->json =
            status::to_json(now).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        next->frame = std::make_shared<const std::string>(http::sse_frame("status", next->json));
        next->status = std::move(now);
        latest_ = std::move(next);
    }
    notify_subscribers();
}

bool StatusHub::listen(std::unique_ptr<db::PgConnection>& conn) {
    try {
        conn = std::make_unique<db::PgConnection>(config_.database.url, "tripstream-api-status");
        conn->exec("LISTEN tripstream_status");
        return true;
    } catch (const db::PgError& e) {
        conn.reset();
        log_.debug(cat("status: cannot LISTEN yet: ", e.what()));
        return false;
    }
}

// True when a notification arrived (all pending ones are consumed); false on timeout or
// when the connection was lost (healthy() then says so and run() reconnects).
bool StatusHub::wait_for_notification(db::PgConnection& conn, std::chrono::milliseconds timeout) {
    try {
        const size_t n = db::wait_notifications(conn, timeout).size();
        notifications_ += n;
        return n > 0;
    } catch (const db::PgError& e) {
        log_.debug(cat("status: lost the LISTEN connection: ", e.what()));
        return false;
    }
}

void StatusHub::run() {
    std::unique_ptr<db::PgConnection> conn;
    auto last_refresh = std::chrono::steady_clock::time_point{};
    bool dirty = true;
    while (!stop_.load()) {
        if (!conn || !conn->healthy()) {
            if (!listen(conn)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                continue;
            }
            dirty = true;  // whatever happened while we were away
        }
        const auto now = std::chrono::steady_clock::now();
        const auto snapshot = latest();
        const bool busy = snapshot && snapshot->status.state != status::IngestionState::idle;
        const auto periodic = busy ? options_.busy_refresh : options_.idle_refresh;
        if ((dirty && now - last_refresh >= options_.min_interval) ||
            now - last_refresh >= periodic || now >= next_expiry_) {
            refresh();
            last_refresh = std::chrono::steady_clock::now();
            dirty = false;
        }
        // Wake for a notification, for the end of the rate-limit window, or to look at stop_.
        const auto wait = dirty ? options_.min_interval : std::chrono::milliseconds(200);
        if (wait_for_notification(*conn, wait)) dirty = true;
    }
}

}  // namespace tripstream::api
