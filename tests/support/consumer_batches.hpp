// Trips written into a database the way tripstream-consumer writes them: its BatchWriter, one
// transaction per batch with the batch's batch_id and its tripstream_status notification.
// Fixtures for the in-memory index (LiveTripIndex) and the API that follows it: random trips
// in three regions over ten weeks, and random requests whose boxes put many trips on their
// edges (coordinates with ties and ulp neighbours).
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "tripstream/consumer/batch_writer.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/weekly_average.hpp"
#include "tripstream/trip.hpp"

namespace tripstream::test {

struct IndexRegion {
    const char* name;
    GeoPoint centre;
};

// Turin, Prague, Oslo; a `regions` argument below takes the first ones.
extern const std::array<IndexRegion, 3> kIndexRegions;

// The Monday of the trips' first week (they span ten weeks).
int64_t index_first_day();

class TripPool {
  public:
    explicit TripPool(uint64_t seed) : rng_(seed) {}

    Trip trip(const IndexRegion& region);
    GeoBox box(const IndexRegion& region);
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    // A request over the first `regions` regions; `i` chooses region only, region and box,
    // or box only, and the match; a random range half of the time.
    query::WeeklyAverageRequest request(int i, int regions);

  private:
    double coordinate(double centre);

    std::mt19937_64 rng_;
};

// Writes batches as one consumer (of its own topic and group) of one database.
class ConsumerBatches {
  public:
    ConsumerBatches(const std::string& name, uint64_t seed);

    // `batches` batches of `trips` random trips each over the first `regions` regions, each
    // committed (and notified) on `conn`.
    void write(db::PgConnection& conn, int batches, int trips, int regions);

    // One batch under `id`, an id taken earlier (take_batch_ids): a batch that commits after
    // batches with larger ids, as a consumer's that took its id before another's can.
    void write_late(db::PgConnection& conn, int64_t id, int trips, int regions);

    BatchWriter& writer() { return writer_; }
    TripPool& pool() { return pool_; }

  private:
    std::string topic_;
    BatchWriter writer_;
    TripPool pool_;
    int64_t next_offset_ = 0;
    int64_t committed_ = kNoOffset;
};

// Takes `count` ids from tripstream.trip_batch_seq without writing a batch, as consumers whose
// batches have not committed yet hold theirs; returns the first.
int64_t take_batch_ids(db::PgConnection& conn, int count);

}  // namespace tripstream::test
