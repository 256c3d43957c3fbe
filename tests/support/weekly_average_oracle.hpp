// The weekly-average definition as one plain SQL count over the raw trips, with no grid, no
// aggregate and no index: the oracle every weekly-average engine (database, in-memory index,
// HTTP API) is compared with.
#pragma once

#include <string>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/weekly_average.hpp"

namespace tripstream::test {

// Per-week counts of raw trips whose chosen ends lie in the box (edges included), over the
// week range the definition implies; fills series and total_trips only.
query::WeeklyAverageResult brute_force_weekly_average(db::PgConnection& conn,
                                                      const query::WeeklyAverageRequest& r);

// The request in words, for assertion messages.
std::string describe(const query::WeeklyAverageRequest& r);

// The shortest text that reads back as the same double.
std::string shortest_double(double v);

}  // namespace tripstream::test
