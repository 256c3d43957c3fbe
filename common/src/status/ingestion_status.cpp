#include "tripstream/status/ingestion_status.hpp"

namespace tripstream::status {

const char* to_string(JobState state) {
    switch (state) {
        case JobState::queued:
            return "queued";
        case JobState::running:
            return "running";
        case JobState::completed:
            return "completed";
        case JobState::failed:
            return "failed";
    }
    return "unknown";
}

const char* to_string(IngestionState state) {
    return state == IngestionState::ingesting ? "ingesting" : "idle";
}

}  // namespace tripstream::status
