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
        case JobState::stalled:
            return "stalled";
    }
    return "unknown";
}

const char* to_string(IngestionState state) {
    switch (state) {
        case IngestionState::idle:
            return "idle";
        case IngestionState::ingesting:
            return "ingesting";
        case IngestionState::stalled:
            return "stalled";
    }
    return "unknown";
}

}  // namespace tripstream::status
