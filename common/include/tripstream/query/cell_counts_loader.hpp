// Reading tripstream.trip_cell_counts for the in-memory cell aggregate (cell_counts.hpp):
// every row with the region names in one snapshot (the load), or the slices (region x ISO
// week) that some committed batches wrote to, whole, in one statement (the update).
//
// An update re-reads the whole slices instead of adding the batches' trips: the result is the
// database's own sum for those slices at one instant, whether or not some of the batches were
// already in what was loaded, so the follower needs no record of which batches it holds.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/cell_counts.hpp"

namespace tripstream::query {

struct CellCountsLoad {
    std::map<std::string, int16_t> region_ids;  // tripstream.regions: name -> region_id
    std::vector<CellCountRow> rows;
};

// Regions and every row of trip_cell_counts, in one REPEATABLE READ READ ONLY transaction
// (`conn` must not be in a transaction). Throws db::PgError.
CellCountsLoad load_cell_counts(db::PgConnection& conn);

struct SliceRows {
    std::vector<CellSlice> touched;  // the slices the batches have trips in
    std::vector<CellCountRow> rows;  // every row of those slices
};

// The slices holding trips of `batch_ids` (committed batches; the BRIN index on batch_id
// finds their rows), with all their rows, in one statement. Throws db::PgError.
SliceRows read_batch_slices(db::PgConnection& conn, const std::vector<int64_t>& batch_ids);

}  // namespace tripstream::query
