#include "support/legacy_trips.hpp"

#include <set>

#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/db/binary_copy.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::test {

void copy_trips_without_batch(db::PgConnection& conn,
                              const std::vector<std::pair<int16_t, Trip>>& trips,
                              int16_t datasource_id, int32_t job_seq) {
    db::BinaryCopyBuffer rows;
    TripAggregates aggregates;
    std::set<int64_t> days;
    for (const auto& [region, t] : trips) {
        if (days.insert(days_from_micros(t.time_us)).second) {
            conn.exec("SELECT tripstream.ensure_trip_partition($1::timestamptz)",
                      {format_datetime(t.time_us) + "+00"});
        }
        rows.begin_row(8);
        rows.add_timestamptz(t.time_us);
        rows.add_int32(job_seq);
        rows.add_int16(region);
        rows.add_int16(datasource_id);
        rows.add_null();
        rows.add_null();
        rows.add_point_4326(t.origin);
        rows.add_point_4326(t.destination);
        aggregates.add(region, t, -1);
    }
    conn.copy_in(
        "COPY tripstream.trips (trip_time, job_seq, region_id, datasource_id, cluster_id,"
        " model_id, origin, destination) FROM STDIN WITH (FORMAT binary)",
        rows.finish());
    db::BinaryCopyBuffer cells;
    aggregates.cells_to_copy(cells);
    conn.copy_in("COPY tripstream.trip_cell_counts FROM STDIN WITH (FORMAT binary)",
                 cells.finish());
}

}  // namespace tripstream::test
