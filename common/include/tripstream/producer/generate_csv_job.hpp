// tripstream-producer --generate N --output FILE: writes generated trips as a CSV file
// instead of sending them to Kafka, with progress on stderr and a summary (JSON) line.
#pragma once

#include <string>

#include "tripstream/app/trip_input_options.hpp"
#include "tripstream/log.hpp"
#include "tripstream/process/shutdown_signal.hpp"
#include "tripstream/progress/progress_reporter.hpp"

namespace tripstream {

// Writes input.generate rows (input.seed, input.weeks) to `output` (- = stdout), then the
// summary line on stdout, or on stderr when the CSV goes to stdout (no progress then).
// Returns 0, or 128+N when interrupted by signal N.
int generate_csv_job(const TripInputOptions& input, const std::string& output,
                     ProgressMode progress, const Logger& log, ShutdownSignal& shutdown);

}  // namespace tripstream
