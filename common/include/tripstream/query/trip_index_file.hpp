// The weekly-average index saved to disk (docs/query.md, "Saved index"), so that a restarted
// API answers from its index seconds after it starts instead of reading every trip from
// PostgreSQL again (minutes at 100 million trips).
//
// The file holds a TripIndexSnapshot as its arrays lie in memory, plus where it came from:
// which database (IndexOrigin::database) and which consumer batches it holds (every
// batch_id up to `newest` except `gaps`). LiveTripIndex loads it, then catches up from the
// database with the batches after it (fetch_batches_after), exactly as after an outage. The
// trees' exact coordinates stay in the file and are read from it in place. The file is
// written next to its final name and renamed over it, so a crash leaves the old one whole.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tripstream/query/exact_ends.hpp"
#include "tripstream/query/trip_index_snapshot.hpp"

namespace tripstream::query {

struct IndexOrigin {
    std::string database;  // identity of the database and table (see LiveTripIndex)
    int64_t newest_batch = 0;
    std::vector<int64_t> gaps;  // batch ids below newest_batch the index does not hold
};

struct SavedIndex {
    std::shared_ptr<const TripIndexSnapshot> snapshot;
    IndexOrigin origin;
};

// Writes `snapshot` to `path` (through `path`.tmp, fsynced, renamed). Throws IoError.
void save_index(const std::string& path, const TripIndexSnapshot& snapshot,
                const IndexOrigin& origin);

// The index saved at `path`; nullopt when there is no file. Throws IoError for a file that
// is not a whole index of this version (truncated, corrupt, written by another version).
std::optional<SavedIndex> load_index(const std::string& path, const IndexStorage& storage);

}  // namespace tripstream::query
