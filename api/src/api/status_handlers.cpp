#include "tripstream/api/status_handlers.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tripstream/api/status_hub.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/status/status_changes.hpp"
#include "tripstream/status/status_json.hpp"
#include "tripstream/status/status_reader.hpp"

namespace tripstream::api {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kKeepAlive{15};
// At most 4 events per second per client, whatever the hub publishes.
constexpr std::chrono::milliseconds kMinEventGap{250};
// Nice value of event-stream threads (queries run at 0).
constexpr int kStreamNice = 10;
// How often a waiting stream looks at the client and the server's stop flag.
constexpr std::chrono::milliseconds kWakeEvery{500};

// Texts come from the database (errors, sources); a stray invalid byte must not fail the
// answer or end a stream.
std::string text(const nlohmann::json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::HttpResponse database_unavailable(const ApiServices& services, const std::exception& e) {
    services.log.warn(cat("ingestion status: database unavailable: ", e.what()));
    return http::problem(503, "the database is unavailable; retry later");
}

// Paces one event stream: the 4-per-second limit, keep-alive comments and the checks that
// end it. Each call of wait() returns when something may be sent, false when the stream ends.
class StreamPacer {
  public:
    // Event streams yield the CPU to queries: a status change wakes every subscriber at
    // once (1,000 threads writing in the same millisecond doubled the queries' p99 in the
    // benchmark), so each stream's thread runs at a lower priority and sends each change
    // after its own random delay within the 250 ms gap. The thread serves only this stream
    // and ends with it, so nothing needs restoring.
    explicit StreamPacer(http::EventStream& stream)
        : stream_(stream), rng_(std::random_device{}()) {
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kStreamNice);
    }

    bool live() { return !stream_.stopping() && !stream_.client_gone(); }

    // Sleeps out the rest of the minimum gap since the last event.
    bool before_event() {
        while (Clock::now() - last_event_ < kMinEventGap) {
            if (!live()) return false;
            std::this_thread::sleep_for(kMinEventGap - (Clock::now() - last_event_));
        }
        return live();
    }

    // Sleeps a random part of the minimum gap, spreading one change's writes over time.
    bool spread() {
        std::this_thread::sleep_for(std::chrono::milliseconds(
            std::uniform_int_distribution<int>(0, kMinEventGap.count() - 1)(rng_)));
        return live();
    }

    bool send(std::string_view event, std::string_view data) {
        last_event_ = last_write_ = Clock::now();
        return stream_.send(event, data);
    }

    // Sends a keep-alive comment when the stream has been quiet for kKeepAlive.
    bool keep_alive() {
        if (Clock::now() - last_write_ < kKeepAlive) return true;
        last_write_ = Clock::now();
        return stream_.comment("keep-alive");
    }

    // How long the caller may block before it must call keep_alive() or live() again.
    std::chrono::milliseconds wait_budget() const {
        const auto until_keep_alive = std::chrono::duration_cast<std::chrono::milliseconds>(
            kKeepAlive - (Clock::now() - last_write_));
        return std::clamp(until_keep_alive, std::chrono::milliseconds(1), kWakeEvery);
    }

  private:
    http::EventStream& stream_;
    std::minstd_rand rng_;
    Clock::time_point last_event_{};
    Clock::time_point last_write_ = Clock::now();
};

// Waits for the hub's next snapshot after `seen`; null when the stream should end.
std::shared_ptr<const StatusSnapshot> next_snapshot(const StatusHub& hub, StreamPacer& pacer,
                                                    uint64_t seen) {
    while (pacer.live() && !hub.stopped()) {
        auto snapshot = hub.wait_newer(seen, pacer.wait_budget());
        if (snapshot && snapshot->version > seen) return snapshot;
        if (!pacer.keep_alive()) return nullptr;
    }
    return nullptr;
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

http::HttpResponse ingestion_status(const ApiServices& services, const http::HttpRequest&) {
    try {
        const auto now = services.status->read_now(std::nullopt);
        return http::HttpResponse::json(200, text(status::to_json(now)));
    } catch (const std::exception& e) {
        return database_unavailable(services, e);
    }
}

http::HttpResponse job_status(const ApiServices& services, const http::HttpRequest& request) {
    const std::string& id = request.path_params.at("id");
    try {
        const auto now = services.status->read_now(id);
        return http::HttpResponse::json(200, text(status::to_json(now.jobs.at(0))));
    } catch (const status::JobNotFound&) {
        return http::problem(404, "no ingestion job with id '" + id + "'", "id");
    } catch (const std::exception& e) {
        return database_unavailable(services, e);
    }
}

// Events: `status` (the whole status, as GET /v1/ingestion/status) on every change, and one
// `completed` (the job, as GET /v1/ingestions/{id}) per job that completes while connected.
http::HttpResponse ingestion_events(const ApiServices& services, http::HttpExchange& exchange) {
    StatusHub& hub = *services.status;
    http::EventStream& stream = exchange.start_event_stream();
    StreamPacer pacer(stream);
    std::shared_ptr<const StatusSnapshot> last;
    uint64_t seen = 0;
    while (auto snapshot = next_snapshot(hub, pacer, seen)) {
        if (!pacer.spread() || !pacer.before_event()) break;
        snapshot = hub.latest();  // the newest after the pause, not the one that woke us
        if (!pacer.send("status", snapshot->json)) break;
        if (last) {
            for (const auto& job : status::newly_completed_jobs(last->status, snapshot->status)) {
                if (!pacer.before_event() || !pacer.send("completed", text(status::to_json(job))))
                    return {};
            }
        }
        last = snapshot;
        seen = snapshot->version;
    }
    return {};
}

// Events: `status` (the job) whenever it changes, then `completed` or `failed` and the end.
http::HttpResponse job_events(const ApiServices& services, http::HttpExchange& exchange) {
    StatusHub& hub = *services.status;
    const std::string& id = exchange.request().path_params.at("id");
    status::JobStatus job;
    try {
        job = hub.read_now(id).jobs.at(0);
    } catch (const status::JobNotFound&) {
        return http::problem(404, "no ingestion job with id '" + id + "'", "id");
    } catch (const std::exception& e) {
        return database_unavailable(services, e);
    }
    http::EventStream& stream = exchange.start_event_stream();
    StreamPacer pacer(stream);
    uint64_t seen = hub.latest() ? hub.latest()->version : 0;
    std::optional<status::JobStatus> sent;
    while (true) {
        if (!sent || status::status_changed(only_job(*sent), only_job(job))) {
            if (!pacer.before_event()) break;
            const std::string json = text(status::to_json(job));
            if (!pacer.send("status", json)) break;
            sent = job;
            if (is_final(job.state)) {
                if (pacer.before_event()) pacer.send(status::to_string(job.state), json);
                break;
            }
        }
        const auto snapshot = next_snapshot(hub, pacer, seen);
        if (!snapshot) break;
        seen = snapshot->version;
        // The hub's snapshot lists the recent jobs: taking the job from it costs nothing, so
        // many subscribers of one job cost no query per change. An older job is read alone.
        if (const auto* listed = find_job(snapshot->status, job.id)) {
            job = *listed;
            continue;
        }
        try {
            job = hub.read_now(job.id).jobs.at(0);
        } catch (const std::exception& e) {
            // A database hiccup ends nothing: the next snapshot tries again.
            services.log.debug(cat("job events ", id, ": ", e.what()));
        }
    }
    return {};
}

}  // namespace tripstream::api
