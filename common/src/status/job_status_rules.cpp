#include "tripstream/status/job_status_rules.hpp"

#include <algorithm>

namespace tripstream::status {
namespace {

// The producer's counts are final only once it has published its last record: the record
// it publishes at start says 0 for everything.
bool producer_finished(const JobFacts& facts) {
    return facts.producer_state == "produced" || facts.producer_state == "interrupted" ||
           facts.producer_state == "failed";
}

// Rows of the trips topic accounted for: what refresh_job_completion compares with
// rows_sent (producer rejections never reach the trips topic).
int64_t rows_accounted(const JobFacts& facts) {
    return facts.rows_inserted + facts.rows_rejected;
}

std::optional<double> job_eta(const JobFacts& facts, JobState state,
                              const std::optional<double>& rate) {
    if (state == JobState::completed) return 0.0;
    if (state == JobState::failed || !producer_finished(facts) || !facts.rows_sent) {
        return std::nullopt;
    }
    if (!rate || *rate <= 0) return std::nullopt;
    const int64_t remaining = std::max<int64_t>(0, *facts.rows_sent - rows_accounted(facts));
    return static_cast<double>(remaining) / *rate;
}

}  // namespace

JobState job_state(const JobFacts& facts) {
    // completed_at is set only for produced or interrupted jobs (refresh_job_completion), so
    // it wins; an interrupted producer's job completes once the rows it sent are stored.
    if (facts.completed_at_us) return JobState::completed;
    if (facts.producer_state == "failed") return JobState::failed;
    if (rows_accounted(facts) > 0) return JobState::running;
    return JobState::queued;
}

std::optional<double> job_rate(const JobFacts& facts, int64_t now_us) {
    if (!facts.first_progress_us || rows_accounted(facts) <= 0) return std::nullopt;
    const int64_t end_us = facts.completed_at_us.value_or(now_us);
    const double window = static_cast<double>(end_us - *facts.first_progress_us) / 1e6;
    if (window < kMinRateWindowSeconds) return std::nullopt;
    return static_cast<double>(rows_accounted(facts)) / window;
}

JobStatus job_status_from(const JobFacts& facts, int64_t now_us) {
    JobStatus s;
    s.id = facts.id;
    s.source = facts.source;
    s.state = job_state(facts);
    s.producer_state = facts.producer_state;
    const bool finished = producer_finished(facts);
    if (finished) {
        s.rows_sent = facts.rows_sent;
        s.rows_rejected_producer = facts.producer_rejected;
    }
    s.rows_inserted = facts.rows_inserted;
    s.rows_rejected_consumer = facts.rows_rejected;
    s.rows_rejected = facts.rows_rejected + s.rows_rejected_producer.value_or(0);
    // Before the job record arrives, the first consumer to see the job is the best start.
    s.started_at_us = facts.producer_started_at_us ? facts.producer_started_at_us
                                                   : std::optional<int64_t>(facts.created_at_us);
    if (s.state == JobState::completed) s.finished_at_us = facts.completed_at_us;
    if (s.state == JobState::failed) s.finished_at_us = facts.producer_finished_at_us;
    s.rate = job_rate(facts, now_us);
    s.eta_seconds = job_eta(facts, s.state, s.rate);
    s.error = facts.error;
    return s;
}

}  // namespace tripstream::status
