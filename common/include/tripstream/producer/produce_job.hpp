// tripstream-producer's main work: one ingestion job that streams the trips of a CSV file,
// stdin or the generator into Kafka, with progress on stderr and the job's summary (JSON)
// on stdout.
#pragma once

#include "tripstream/app/trip_input_options.hpp"
#include "tripstream/config.hpp"
#include "tripstream/log.hpp"
#include "tripstream/message/trip_message.hpp"
#include "tripstream/process/shutdown_signal.hpp"
#include "tripstream/progress/progress_reporter.hpp"

namespace tripstream {

// Opens `input` (HeaderError / IoError), creates the missing topics (KafkaError), produces
// every row as job `job_id` with the configured topics, message count and rate limit, and
// prints the summary line. Returns the exit code: 0 every row acknowledged, 1 a failure,
// 128+N interrupted by signal N (rows read so far are flushed first).
int produce_job(const TripInputOptions& input, const JobId& job_id, const Config& config,
                ProgressMode progress, const Logger& log, ShutdownSignal& shutdown);

}  // namespace tripstream
