// A weekly average answered by the in-memory index (LiveTripIndex), with the state of the
// snapshot that answered: the API tells its clients when that snapshot had stopped following
// the database (docs/api.md, header Tripstream-Index-State).
#pragma once

#include <cstdint>

#include "tripstream/query/weekly_average.hpp"

namespace tripstream::query {

struct IndexAnswer {
    WeeklyAverageResult result;
    // Unix time at which the snapshot stopped following the database (its connection was
    // lost; it holds every batch committed before then); 0 while it follows.
    double stale_since_unix_seconds = 0;
    // Which snapshot answered: LiveTripIndexStats::snapshot_version at publication (a
    // process's snapshots are numbered 1, 2, ...) and the trips it holds.
    uint64_t snapshot_version = 0;
    int64_t snapshot_trips = 0;
};

}  // namespace tripstream::query
