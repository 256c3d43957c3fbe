// Trips written straight into tripstream.trips and tripstream.trip_cell_counts by binary
// COPY, as the consumer wrote them before migration 0003 (no batch_id, no notification):
// fixtures for the weekly-average engines.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/trip.hpp"

namespace tripstream::test {

// `trips` are (region_id, trip) pairs; regions and the datasource must exist. Creates the
// months' partitions as needed.
void copy_trips_without_batch(db::PgConnection& conn,
                              const std::vector<std::pair<int16_t, Trip>>& trips,
                              int16_t datasource_id, int32_t job_seq);

}  // namespace tripstream::test
