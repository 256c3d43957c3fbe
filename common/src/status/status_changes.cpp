#include "tripstream/status/status_changes.hpp"

#include <algorithm>

namespace tripstream::status {
namespace {

// A copy without the fields that change with the clock alone.
IngestionStatus without_clock(IngestionStatus status) {
    status.generated_at_us = 0;
    for (JobStatus& job : status.jobs) {
        job.rate.reset();
        job.eta_seconds.reset();
    }
    for (ConsumerStatus& consumer : status.consumers) {
        consumer.last_heartbeat_us = 0;
        consumer.rows_per_second = 0;
    }
    return status;
}

bool completed_in(const IngestionStatus& status, const std::string& job_id) {
    return std::any_of(status.jobs.begin(), status.jobs.end(), [&](const JobStatus& job) {
        return job.id == job_id && job.state == JobState::completed;
    });
}

}  // namespace

std::vector<JobStatus> newly_completed_jobs(const IngestionStatus& before,
                                            const IngestionStatus& after) {
    std::vector<JobStatus> out;
    for (const JobStatus& job : after.jobs) {
        if (job.state == JobState::completed && !completed_in(before, job.id)) out.push_back(job);
    }
    return out;
}

bool status_changed(const IngestionStatus& before, const IngestionStatus& after) {
    return without_clock(before) != without_clock(after);
}

}  // namespace tripstream::status
