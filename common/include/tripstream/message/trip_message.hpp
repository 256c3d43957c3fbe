// The trips topic's message format, version 1 (docs/message-format.md).
//
// A compact little-endian binary record: fixed-width numbers first, then two short strings.
// Binary rather than CSV/JSON because the consumer decodes hundreds of thousands of these
// per second; the version byte lets a future format coexist on the same topic.
//
//   offset  size  field
//   0       1     version = 1
//   1       16    ingestion job id (UUID bytes)
//   17      8     source line number (uint64)
//   25      8     origin longitude (float64)
//   33      8     origin latitude (float64)
//   41      8     destination longitude (float64)
//   49      8     destination latitude (float64)
//   57      8     start time, microseconds since the epoch, UTC (int64)
//   65      1     region length R (1..64)
//   66      R     region (UTF-8)
//   66+R    1     datasource length D (1..64)
//   67+R    D     datasource (UTF-8)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tripstream/trip.hpp"

namespace tripstream {

using JobId = std::array<uint8_t, 16>;

inline constexpr uint8_t kTripMessageVersion = 1;
inline constexpr size_t kTripMessageFixedBytes = 67;

struct TripMessage {
    JobId job_id{};
    uint64_t line = 0;
    Trip trip;
};

// Appends the encoding of (job, line, trip) to `out`. Region and datasource must already be
// validated (1..64 bytes).
void encode_trip_message(std::string& out, const JobId& job_id, uint64_t line, const Trip& trip);

// Decodes `bytes` into `message` (reusing its storage). On a malformed or unknown-version
// message returns false and sets `reason`; never reads out of bounds.
bool decode_trip_message(std::string_view bytes, TripMessage& message, std::string& reason);

// Job ids: random version-4 UUIDs, written in the canonical 36-character form.
JobId new_job_id();
std::string job_id_to_string(const JobId& id);
bool parse_job_id(std::string_view text, JobId& id);

}  // namespace tripstream
