// Test inputs: generated trips CSV files with deliberately broken rows, and a fingerprint
// of the good rows to compare with what the database holds.
#pragma once

#include <cstdint>
#include <map>
#include <pqxx/pqxx>
#include <string>

#include "tripstream/producer/trip_producer.hpp"

namespace tripstream::test {

struct TripsFile {
    int good_rows = 0;
    int broken_rows = 0;
    std::map<std::string, int> broken_by_code;  // reject reason code -> rows
};

// Writes a header and `good_rows` generated trips (seed `seed`), with a broken row of each
// kind in turn inserted every 97 lines.
TripsFile write_trips_csv(const std::string& path, int good_rows, uint64_t seed = 42);

// Order-independent checksum of a set of trips: sums of whole seconds and of coordinates in
// micro-degrees (floor), plus the count. Equal fingerprints = same multiset, for all
// practical purposes.
struct TripFingerprint {
    int64_t count = 0;
    int64_t seconds = 0;
    int64_t origin_lon = 0;
    int64_t origin_lat = 0;
    int64_t destination_lon = 0;
    int64_t destination_lat = 0;
    bool operator==(const TripFingerprint&) const = default;
};

// Runs a TripProducer over the CSV file at `path` to the stack's broker.
ProducerSummary produce_file(const ProducerOptions& options, const std::string& path);

// The fingerprint of the good rows of a CSV file.
TripFingerprint fingerprint_of_csv(const std::string& path);

// Trips of one job stored so far (0 before its first batch).
int64_t trips_stored(pqxx::connection& conn, const std::string& job_id);

// The fingerprint of the stored trips of one job (DATABASE_URL of the stack).
TripFingerprint fingerprint_of_job(const std::string& database_url, const std::string& job_id);

}  // namespace tripstream::test
