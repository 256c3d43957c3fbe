// What changed between two status snapshots, for the Server-Sent Event streams: whether to
// push a new snapshot at all, and which jobs get their final `completed` event.
#pragma once

#include <vector>

#include "tripstream/status/ingestion_status.hpp"

namespace tripstream::status {

// The jobs of `after` that are completed and were not completed in `before` (or were not in
// it: a job can start and complete between two snapshots). Order of `after`.
std::vector<JobStatus> newly_completed_jobs(const IngestionStatus& before,
                                            const IngestionStatus& after);

// True when `after` tells a client something `before` did not. Ignored, because they move
// with the clock alone and would make every snapshot differ: generated_at, each job's rate and
// eta_seconds, and each consumer's last_heartbeat and rows_per_second (a consumer's `live`
// still counts, so a consumer dying is news).
bool status_changed(const IngestionStatus& before, const IngestionStatus& after);

}  // namespace tripstream::status
