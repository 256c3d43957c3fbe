// The exact weekly average of trips for a region and/or bounding box (issue 6's query
// engine). Whole grid cells inside the box come from tripstream.trip_cell_counts; only the
// trips whose cells touch the box edge are read from the raw rows. docs/query.md explains
// the algorithm, why it is exact, and what it costs.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/weekly_average_request.hpp"

namespace tripstream::query {

struct WeekCount {
    int64_t week_start_days = 0;  // the Monday, days since the epoch
    int64_t trips = 0;
};

// How the answer was computed (for logs and benchmarks).
struct WeeklyAverageStats {
    int64_t aggregate_trips = 0;  // counted from whole inside cells
    int64_t boundary_trips = 0;   // trips in boundary cells, checked against the raw rows
    bool raw_scan = false;        // whether the raw rows were read at all
    int64_t exact_trips = 0;      // index: boundary trips whose exact coordinates were read
};

struct WeeklyAverageResult {
    std::optional<std::string> region;
    std::optional<GeoBox> bbox;
    Match match = Match::both;
    std::optional<int64_t> from_days;  // Monday of the first week; nullopt when weeks == 0
    std::optional<int64_t> to_days;    // Sunday of the last week
    int64_t weeks = 0;
    int64_t total_trips = 0;
    double weekly_average = 0;      // total_trips / weeks, 0 when there are no weeks
    std::vector<WeekCount> series;  // every week of the range, zero weeks included
    WeeklyAverageStats stats;
};

// A well-formed request that the data cannot answer (an unknown region name).
class RequestError : public std::runtime_error {
  public:
    explicit RequestError(ParameterError error)
        : std::runtime_error(error.parameter + ": " + error.message), error_(std::move(error)) {}
    const ParameterError& error() const { return error_; }

  private:
    ParameterError error_;
};

// Reads one consistent snapshot (a REPEATABLE READ, READ ONLY transaction, so the aggregate
// and the raw rows agree while consumers write). `conn` must not be inside a transaction.
// Throws RequestError for an unknown region, db::PgError for database failures.
WeeklyAverageResult weekly_average(db::PgConnection& conn, const WeeklyAverageRequest& request);

}  // namespace tripstream::query
