// How a job's reported state, times, rate and ETA follow from its stored rows. Kept apart
// from the SQL so that the rules can be tested without a database; docs/status.md states
// them in words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tripstream/status/ingestion_status.hpp"

namespace tripstream::status {

// One tripstream.ingestion_jobs row with the sums of its job_partition_progress rows, as
// read (instants in microseconds on the database clock).
struct JobFacts {
    std::string id;
    std::optional<std::string> source;
    std::optional<std::string> producer_state;
    std::optional<int64_t> producer_started_at_us;
    std::optional<int64_t> producer_finished_at_us;
    std::optional<int64_t> rows_sent;
    std::optional<int64_t> producer_rejected;
    std::optional<std::string> error;
    std::optional<int64_t> completed_at_us;
    int64_t created_at_us = 0;  // when a consumer first saw the job
    int64_t rows_inserted = 0;
    int64_t rows_rejected = 0;                 // by the consumer
    std::optional<int64_t> first_progress_us;  // earliest batch that stored some of its rows
};

// A rate measured over less than this is mostly the noise of one batch's timing.
inline constexpr double kMinRateWindowSeconds = 1.0;

JobState job_state(const JobFacts& facts);

// Rows per second stored (inserted + consumer-rejected) from the first batch that stored
// any of the job's rows to its completion (completed jobs) or to `now_us` (the others);
// nullopt before any row is stored or when that window is shorter than
// kMinRateWindowSeconds.
std::optional<double> job_rate(const JobFacts& facts, int64_t now_us);

JobStatus job_status_from(const JobFacts& facts, int64_t now_us);

}  // namespace tripstream::status
