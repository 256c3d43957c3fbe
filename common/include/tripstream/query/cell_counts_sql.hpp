// GET /v1/trips/cells and GET /v1/regions answered by PostgreSQL: grouping
// tripstream.trip_cell_counts per request. The fallback while the in-memory aggregate
// (live_cell_counts.hpp) is not loaded or the server runs with QUERY_ENGINE=database, the
// reference the aggregate is tested against, and the baseline of benchmarks/api/cells_run.
// Exact (the same rows the aggregate is loaded from) but it reads every row of the asked
// weeks and regions: tens of milliseconds and more at 10 M trips (docs/query.md).
#pragma once

#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/cell_counts_result.hpp"

namespace tripstream::query {

// Throws RequestError for an unknown region, db::PgError for database failures. `conn` must
// not be inside a transaction.
CellCountsResult cell_counts(db::PgConnection& conn, const CellCountsRequest& request);

// Every region with its trips and cell extent, sorted by name. Throws db::PgError.
std::vector<RegionSummary> region_summaries(db::PgConnection& conn);

}  // namespace tripstream::query
