// Instants as the HTTP API spells them: ISO 8601 in UTC with whole seconds,
// "2026-11-22T10:00:00Z". Whole seconds because status timestamps (heartbeats, job starts)
// mean nothing finer to a reader, and one fixed width is easy for clients to parse.
#pragma once

#include <cstdint>
#include <string>

namespace tripstream {

// `time_us` (microseconds since 1970-01-01T00:00:00Z) rounded down to the second.
std::string format_iso_timestamp(int64_t time_us);

}  // namespace tripstream
