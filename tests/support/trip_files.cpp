#include "support/trip_files.hpp"

#include <cmath>
#include <fstream>
#include <pqxx/pqxx>
#include <utility>
#include <vector>

#include "support/test_env.hpp"
#include "tripstream/csv/trip_csv_writer.hpp"
#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/producer/trip_source.hpp"

namespace tripstream::test {
namespace {

const std::vector<std::pair<std::string, std::string>> kBroken = {
    {"bad_origin_coord", "Prague,POINT (14.4 123.4),POINT (14.4 50.0),2018-05-28 09:03:40,x"},
    {"bad_destination_coord", "Turin,POINT (7.6 45.0),LINE (1 2),2018-05-28 09:03:40,x"},
    {"bad_datetime", "Turin,POINT (7.6 45.0),POINT (7.7 45.1),2018-02-30 09:03:40,x"},
    {"bad_region", ",POINT (7.6 45.0),POINT (7.7 45.1),2018-05-28 09:03:40,x"},
    {"bad_datasource", "Turin,POINT (7.6 45.0),POINT (7.7 45.1),2018-05-28 09:03:40,"},
    {"field_count", "Turin,POINT (7.6 45.0)"},
};

int64_t micro(double degrees) {
    return static_cast<int64_t>(std::floor(degrees * 1e6));
}

}  // namespace

TripsFile write_trips_csv(const std::string& path, int good_rows, uint64_t seed) {
    GeneratorOptions options;
    options.seed = seed;
    const TripGenerator generator(options);
    TripsFile file;
    file.good_rows = good_rows;
    std::ofstream out(path);
    std::string text = "region,origin_coord,destination_coord,datetime,datasource\n";
    Trip trip;
    for (int i = 0; i < good_rows; ++i) {
        if (i % 97 == 50) {
            const auto& [code, line] =
                kBroken[static_cast<size_t>(file.broken_rows) % kBroken.size()];
            text += line + "\n";
            ++file.broken_by_code[code];
            ++file.broken_rows;
        }
        generator.generate(static_cast<uint64_t>(i), trip);
        append_trip_csv_row(text, trip);
        if (text.size() > (1 << 20)) {
            out << text;
            text.clear();
        }
    }
    out << text;
    return file;
}

ProducerSummary produce_file(const ProducerOptions& options, const std::string& path) {
    kafka::KafkaProducer kafka(stack_config().kafka);
    TripProducer producer(kafka, options);
    CsvTripSource source(path);
    const std::atomic<bool> never{false};
    return producer.run(source, never);
}

TripFingerprint fingerprint_of_csv(const std::string& path) {
    CsvTripSource source(path);
    TripFingerprint f;
    Trip trip;
    SourceRow row;
    while (source.next(trip, row)) {
        if (!row.ok) continue;
        ++f.count;
        f.seconds += trip.time_us / 1'000'000;
        f.origin_lon += micro(trip.origin.lon);
        f.origin_lat += micro(trip.origin.lat);
        f.destination_lon += micro(trip.destination.lon);
        f.destination_lat += micro(trip.destination.lat);
    }
    return f;
}

int64_t trips_stored(pqxx::connection& conn, const std::string& job_id) {
    pqxx::work tx(conn);
    return tx
        .exec_params1(
            "SELECT count(*) FROM tripstream.trips t JOIN tripstream.ingestion_jobs j"
            " USING (job_seq) WHERE j.job_id = $1",
            job_id)[0]
        .as<int64_t>();
}

TripFingerprint fingerprint_of_job(const std::string& database_url, const std::string& job_id) {
    pqxx::connection conn(database_url);
    pqxx::work tx(conn);
    const auto r = tx.exec_params1(
        "SELECT count(*), coalesce(sum(extract(epoch FROM t.trip_time)::bigint), 0),"
        " coalesce(sum(floor(ST_X(t.origin) * 1e6)::bigint), 0),"
        " coalesce(sum(floor(ST_Y(t.origin) * 1e6)::bigint), 0),"
        " coalesce(sum(floor(ST_X(t.destination) * 1e6)::bigint), 0),"
        " coalesce(sum(floor(ST_Y(t.destination) * 1e6)::bigint), 0)"
        " FROM tripstream.trips t JOIN tripstream.ingestion_jobs j USING (job_seq)"
        " WHERE j.job_id = $1",
        job_id);
    return {r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>(),
            r[3].as<int64_t>(), r[4].as<int64_t>(), r[5].as<int64_t>()};
}

}  // namespace tripstream::test
