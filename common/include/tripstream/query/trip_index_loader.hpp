// Reading trips for the in-memory weekly-average index (LiveTripIndex): the whole table in
// one consistent snapshot (binary COPY, about 60 bytes a trip on the wire, no text
// formatting of numbers), one consumer batch by its batch_id (migration 0003), or the
// batches missed while disconnected (by batch_id, also binary COPY). The
// coordinates arrive as the EWKB doubles PostGIS stores, so the index compares the very
// values that ST_X/ST_Y return.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/log.hpp"
#include "tripstream/query/indexed_trip.hpp"

namespace tripstream::query {

// Thrown by load_all_trips and fetch_batches_after when `stop` was set while they read.
class LoadStopped : public std::runtime_error {
  public:
    LoadStopped() : std::runtime_error("trip load stopped") {}
};

struct LoadedTrips {
    std::map<std::string, int16_t> region_ids;          // name -> region_id
    std::map<int16_t, std::vector<IndexedTrip>> trips;  // by region_id
    std::unordered_set<int64_t> batches;                // batch_ids of the rows read
    size_t rows = 0;
};

// tripstream.regions as name -> region_id.
std::map<std::string, int16_t> read_regions(db::PgConnection& conn);

// Regions and every trip, in one REPEATABLE READ READ ONLY transaction (`conn` must not be
// in a transaction). Logs progress every few million rows. Throws db::PgError,
// std::runtime_error for a row the index cannot hold (e.g. an empty point) and LoadStopped.
LoadedTrips load_all_trips(db::PgConnection& conn, const Logger& log,
                           const std::atomic<bool>& stop);

// The trips of one batch (WHERE batch_id = $1: the BRIN index of migration 0003).
std::vector<IndexedTrip> fetch_batch(db::PgConnection& conn, int64_t batch_id);

// The trips of every batch whose id is above `newest` or one of `gaps`, by batch_id, read
// in one statement (so one snapshot: a batch is there whole or not at all). Batches without
// trips are not in it. Throws db::PgError, std::runtime_error for a row the index cannot
// hold, and LoadStopped.
std::map<int64_t, std::vector<IndexedTrip>> fetch_batches_after(db::PgConnection& conn,
                                                                int64_t newest,
                                                                const std::vector<int64_t>& gaps,
                                                                const Logger& log,
                                                                const std::atomic<bool>& stop);

}  // namespace tripstream::query
