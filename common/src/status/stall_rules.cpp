#include "tripstream/status/stall_rules.hpp"

#include <algorithm>
#include <vector>

namespace tripstream::status {
namespace {

// A consumer's error can be long (a whole message excerpt); the reason quotes this much of
// each distinct one, and at most this many. The consumers list has them whole.
constexpr size_t kMaxErrorBytes = 200;
constexpr size_t kMaxErrorsQuoted = 3;

std::string consumers(size_t n) {
    return std::to_string(n) + (n == 1 ? " consumer" : " consumers");
}

// At most `max` bytes of `text`, cut before a UTF-8 sequence rather than inside it.
std::string clipped(const std::string& text, size_t max) {
    if (text.size() <= max) return text;
    size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return text.substr(0, end) + "…";
}

struct ConsumerCounts {
    size_t live = 0;
    size_t failed = 0;
    size_t dead = 0;
    size_t stopped = 0;
    std::vector<std::string> errors;  // distinct, most recent heartbeat first
};

ConsumerCounts count_consumers(const std::vector<ConsumerStatus>& list) {
    ConsumerCounts n;
    for (const ConsumerStatus& c : list) {
        if (c.live) ++n.live;
        if (c.state == "dead") ++n.dead;
        if (c.state == "stopped") ++n.stopped;
        if (c.state != "failed") continue;
        ++n.failed;
        const std::string error = c.error.value_or("no error recorded");
        if (std::find(n.errors.begin(), n.errors.end(), error) == n.errors.end())
            n.errors.push_back(error);
    }
    return n;
}

std::string failed_part(const ConsumerCounts& n) {
    std::string out = consumers(n.failed) + " failed: ";
    for (size_t i = 0; i < n.errors.size() && i < kMaxErrorsQuoted; ++i) {
        if (i > 0) out += " | ";
        out += clipped(n.errors[i], kMaxErrorBytes);
    }
    if (n.errors.size() > kMaxErrorsQuoted)
        out += " | " + std::to_string(n.errors.size() - kMaxErrorsQuoted) + " more errors";
    return out;
}

std::string dead_part(const ConsumerCounts& n, std::chrono::seconds expiry) {
    return consumers(n.dead) + " dead (no heartbeat for " + std::to_string(expiry.count()) + " s)";
}

bool pending(JobState state) {
    return state == JobState::queued || state == JobState::running;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& part : parts)
        out += (out.empty() ? "" : "; ") + part;
    return out;
}

}  // namespace

std::string reported_consumer_state(const std::string& recorded,
                                    std::chrono::microseconds heartbeat_age,
                                    std::chrono::seconds expiry) {
    if (recorded == "running" && heartbeat_age >= expiry) return "dead";
    return recorded;
}

std::optional<int64_t> rows_to_store(const JobStatus& job) {
    if (!job.rows_sent) return std::nullopt;
    return std::max<int64_t>(0, *job.rows_sent - job.rows_inserted - job.rows_rejected_consumer);
}

void apply_overall_state(IngestionStatus& status, const OverallFacts& facts) {
    const ConsumerCounts n = count_consumers(status.consumers);
    const bool lagging = status.total_lag.value_or(0) > 0;
    // Kafka not asked: a job known to have rows left is the evidence that messages wait.
    const bool rows_left =
        !status.total_lag && std::any_of(status.jobs.begin(), status.jobs.end(), [](auto& j) {
            return pending(j.state) && rows_to_store(j).value_or(0) > 0;
        });
    const bool stalled = n.live == 0 && (lagging || rows_left);

    std::vector<std::string> parts;
    if (stalled) {
        parts.push_back("no live consumer in group '" + facts.consumer_group + "' while " +
                        (lagging ? "messages wait in Kafka" : "jobs have rows left to store"));
    } else if (n.live == 0 && (n.failed > 0 || n.dead > 0)) {
        parts.push_back("no live consumer in group '" + facts.consumer_group + "'");
    }
    if (n.failed > 0) parts.push_back(failed_part(n));
    if (n.dead > 0) parts.push_back(dead_part(n, facts.heartbeat_expiry));
    if (stalled && n.stopped > 0) parts.push_back(consumers(n.stopped) + " stopped");
    if (stalled && status.consumers.empty())
        parts.push_back("no consumer of the group ran in the last hour");
    if (n.live > 0 && !parts.empty())
        parts.push_back(std::to_string(n.live) + " live " +
                        (n.live == 1 ? "consumer carries on" : "consumers carry on"));
    status.reason = parts.empty() ? std::nullopt : std::optional<std::string>(joined(parts));

    if (stalled) {
        status.state = IngestionState::stalled;
        for (JobStatus& job : status.jobs) {
            if (!pending(job.state) || rows_to_store(job) == 0) continue;
            job.state = JobState::stalled;
            job.reason = status.reason;
            job.eta_seconds.reset();  // nothing progresses
        }
    } else {
        status.state =
            facts.producing || lagging ? IngestionState::ingesting : IngestionState::idle;
    }
}

}  // namespace tripstream::status
