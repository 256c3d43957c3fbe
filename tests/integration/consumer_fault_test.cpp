// Exactly-once under faults, with the real executables, broker and database: three
// consumers ingest while one of them is SIGKILLed and restarted several times and
// PostgreSQL is restarted once. At the end the database holds exactly the accepted rows (the
// stored trips, full rows with their region and datasource names, equal the CSV's good rows
// as a multiset, the CSV read by this file's own parser, not the producer's), the aggregate
// agrees with the raw rows, the rejected rows are exactly the broken rows, and the job is
// complete.
#include <gtest/gtest.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <pqxx/pqxx>
#include <thread>

#include "support/child_process.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "support/weekly_average_oracle.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/producer/trip_producer.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

int rows_for_test() {
    const char* v = std::getenv("TRIPSTREAM_FAULT_ROWS");
    return v != nullptr ? std::atoi(v) : 200000;
}

struct Scenario {
    std::string trips = test::unique_name("it-ft-trips");
    std::string dead = trips + ".dlq";
    std::string jobs = trips + ".jobs";
    std::string group = trips;  // test::program_env's consumer group
    std::filesystem::path dir = std::filesystem::temp_directory_path() / trips;
};

std::map<std::string, std::string> consumer_env(const Scenario& s) {
    auto env = test::program_env(s.trips);
    env["BATCH_SIZE"] = "5000";
    env["BATCH_MAX_WAIT_MS"] = "200";
    return env;
}

std::unique_ptr<test::ChildProcess> start_consumer(const Scenario& s, int n) {
    return std::make_unique<test::ChildProcess>(
        std::string(TRIPSTREAM_BINARY_DIR) + "/consumer/tripstream-consumer",
        std::vector<std::string>{"--id", "fault-test-" + std::to_string(n)}, consumer_env(s),
        (s.dir / ("consumer-" + std::to_string(n) + ".log")).string());
}

// --- the expected trips, read from the CSV by test code only -------------------------------

// One trip as a full row. Points are compared as exact doubles: the CSV's decimal text read
// with strtod (correctly rounded, as the producer's std::from_chars is) against the float8
// PostgreSQL stores, printed in its shortest exact form and read back with strtod.
struct FullTrip {
    int64_t time_us = 0;
    double origin_lon = 0;
    double origin_lat = 0;
    double destination_lon = 0;
    double destination_lat = 0;
    std::string region;
    std::string datasource;
    auto operator<=>(const FullTrip&) const = default;
};

std::string to_text(const FullTrip& t) {
    return test::date_text(t.time_us / 86'400'000'000) + "+" +
           std::to_string(t.time_us % 86'400'000'000) + "us " + t.region + " (" +
           test::shortest_double(t.origin_lon) + " " + test::shortest_double(t.origin_lat) +
           ") -> (" + test::shortest_double(t.destination_lon) + " " +
           test::shortest_double(t.destination_lat) + ") " + t.datasource;
}

// The fields of the RFC 4180 record at `pos` (quotes, "" inside quotes); moves past its end.
std::vector<std::string> next_record(const std::string& text, size_t& pos) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    while (pos < text.size()) {
        const char c = text[pos++];
        if (quoted) {
            if (c != '"') {
                fields.back() += c;
            } else if (pos < text.size() && text[pos] == '"') {
                fields.back() += '"';
                ++pos;
            } else {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    return fields;
}

bool valid_name(const std::string& s) {
    return !s.empty() && s.size() <= 64 &&
           std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// A decimal number at `p` (no inf/nan/hex), with strtod.
bool number(const char*& p, double& out) {
    if (!(std::isdigit(static_cast<unsigned char>(*p)) || *p == '-' || *p == '+' || *p == '.'))
        return false;
    char* end = nullptr;
    out = std::strtod(p, &end);
    if (end == p) return false;
    p = end;
    return true;
}

// WKT `POINT (lon lat)` (docs/producer.md), in range.
bool point(const std::string& s, double& lon, double& lat) {
    if (s.size() < 6 || strncasecmp(s.c_str(), "POINT", 5) != 0) return false;
    const char* p = s.c_str() + 5;
    if (*p == ' ') ++p;
    if (*p++ != '(') return false;
    while (std::isspace(static_cast<unsigned char>(*p)))
        ++p;
    if (!number(p, lon) || !std::isspace(static_cast<unsigned char>(*p))) return false;
    while (std::isspace(static_cast<unsigned char>(*p)))
        ++p;
    if (!number(p, lat)) return false;
    while (std::isspace(static_cast<unsigned char>(*p)))
        ++p;
    if (*p++ != ')' || *p != '\0') return false;
    return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;
}

// `YYYY-MM-DD HH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]` as microseconds since the epoch (UTC).
bool datetime(const std::string& s, int64_t& us) {
    const auto digits = [&](size_t at, size_t n, int64_t& v) {
        if (at + n > s.size()) return false;
        v = 0;
        for (size_t i = at; i < at + n; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
            v = v * 10 + (s[i] - '0');
        }
        return true;
    };
    int64_t y, mo, d, h, mi, se;
    if (!digits(0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
        !digits(8, 2, d) || (s[10] != ' ' && s[10] != 'T') || !digits(11, 2, h) || s[13] != ':' ||
        !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se))
        return false;
    if (y < 1900 || y > 2199 || !test::valid_date(y, static_cast<int>(mo), static_cast<int>(d)) ||
        h > 23 || mi > 59 || se > 59)
        return false;
    size_t at = 19;
    int64_t fraction = 0;
    if (at < s.size() && s[at] == '.') {
        size_t n = 0;
        while (at + 1 + n < s.size() && std::isdigit(static_cast<unsigned char>(s[at + 1 + n])))
            ++n;
        if (n == 0 || n > 6 || !digits(at + 1, n, fraction)) return false;
        for (size_t i = n; i < 6; ++i)
            fraction *= 10;
        at += 1 + n;
    }
    int64_t offset = 0;
    if (at < s.size() && s[at] == 'Z') {
        ++at;
    } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
        int64_t oh, om;
        if (!digits(at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' ||
            !digits(at + 4, 2, om))
            return false;
        offset = (oh * 3600 + om * 60) * (s[at] == '+' ? 1 : -1);
        at += 6;
    }
    if (at != s.size()) return false;
    const int64_t seconds = test::day_number(y, static_cast<int>(mo), static_cast<int>(d)) * 86400 +
                            h * 3600 + mi * 60 + se - offset;
    us = seconds * 1'000'000 + fraction;
    return true;
}

// The good rows of a trips CSV (header region,origin_coord,destination_coord,datetime,
// datasource in any order) as full trips; `rejected` counts the others.
std::vector<FullTrip> trips_of_csv(const std::string& path, int& rejected) {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t pos = 0;
    const auto header = next_record(text, pos);
    const auto column = [&](const std::string& name) {
        const auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end()) throw std::runtime_error("no column " + name);
        return static_cast<size_t>(it - header.begin());
    };
    const size_t region = column("region"), origin = column("origin_coord"),
                 destination = column("destination_coord"), time = column("datetime"),
                 datasource = column("datasource");
    const size_t needed = std::max({region, origin, destination, time, datasource}) + 1;
    std::vector<FullTrip> trips;
    rejected = 0;
    while (pos < text.size()) {
        const auto f = next_record(text, pos);
        if (f.size() == 1 && f[0].empty()) continue;  // blank line
        FullTrip t;
        if (f.size() < needed || !valid_name(f[region]) || !valid_name(f[datasource]) ||
            !point(f[origin], t.origin_lon, t.origin_lat) ||
            !point(f[destination], t.destination_lon, t.destination_lat) ||
            !datetime(f[time], t.time_us)) {
            ++rejected;
            continue;
        }
        t.region = f[region];
        t.datasource = f[datasource];
        trips.push_back(std::move(t));
    }
    std::sort(trips.begin(), trips.end());
    return trips;
}

// The stored trips of one job as full rows, sorted.
std::vector<FullTrip> stored_trips(const std::string& database_url, const std::string& job_id) {
    pqxx::connection conn(database_url);
    pqxx::work tx(conn);
    tx.exec0("SET LOCAL extra_float_digits = 3");  // shortest exact float8 text (PostgreSQL 12+)
    const auto rows = tx.exec_params(
        "SELECT (extract(epoch FROM t.trip_time) * 1000000)::int8, ST_X(t.origin),"
        " ST_Y(t.origin), ST_X(t.destination), ST_Y(t.destination), r.name, d.name"
        " FROM tripstream.trips t"
        " JOIN tripstream.ingestion_jobs j ON j.job_seq = t.job_seq"
        " JOIN tripstream.regions r ON r.region_id = t.region_id"
        " JOIN tripstream.datasources d ON d.datasource_id = t.datasource_id"
        " WHERE j.job_id = $1",
        job_id);
    std::vector<FullTrip> trips;
    trips.reserve(rows.size());
    for (const auto& row : rows) {
        FullTrip t;
        t.time_us = row[0].as<int64_t>();
        t.origin_lon = std::strtod(row[1].c_str(), nullptr);
        t.origin_lat = std::strtod(row[2].c_str(), nullptr);
        t.destination_lon = std::strtod(row[3].c_str(), nullptr);
        t.destination_lat = std::strtod(row[4].c_str(), nullptr);
        t.region = row[5].as<std::string>();
        t.datasource = row[6].as<std::string>();
        trips.push_back(std::move(t));
    }
    std::sort(trips.begin(), trips.end());
    return trips;
}

// Expects two sorted multisets to be equal; names the first differences.
void expect_same_trips(const std::vector<FullTrip>& stored, const std::vector<FullTrip>& expected) {
    std::vector<FullTrip> missing, extra;
    std::set_difference(expected.begin(), expected.end(), stored.begin(), stored.end(),
                        std::back_inserter(missing));
    std::set_difference(stored.begin(), stored.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    EXPECT_EQ(stored.size(), expected.size());
    EXPECT_TRUE(missing.empty()) << missing.size() << " input trips not stored (as often as in "
                                 << "the input), e.g. " << to_text(missing.front());
    EXPECT_TRUE(extra.empty()) << extra.size() << " stored trips not in the input (or stored "
                               << "more often), e.g. " << to_text(extra.front());
}

bool job_completed(pqxx::connection& conn, const std::string& job_id) {
    pqxx::work tx(conn);
    return tx
        .exec_params1(
            "SELECT completed_at IS NOT NULL FROM tripstream.ingestion_jobs"
            " WHERE job_id = $1",
            job_id)[0]
        .as<bool>();
}

int producer_rejections_stored(pqxx::connection& conn, const std::string& job_id) {
    pqxx::work tx(conn);
    return tx
        .exec_params1(
            "SELECT count(*) FROM tripstream.rejected_rows"
            " WHERE job_id = $1 AND stage = 'producer'",
            job_id)[0]
        .as<int>();
}

TEST(ConsumerFaults, ExactlyOnceThroughSigkillsAndADatabaseRestart) {
    const Scenario s;
    std::filesystem::create_directories(s.dir);
    const Config& config = test::stack_config();
    db::migrate(config.database.url);
    kafka::KafkaAdmin admin(config.kafka);
    admin.ensure_topic({s.trips, 12, {}});
    admin.ensure_topic({s.dead, 3, {}});
    admin.ensure_topic({s.jobs, 1, {{"cleanup.policy", "compact"}}});

    const int rows = rows_for_test();
    const std::string csv = (s.dir / "input.csv").string();
    const test::TripsFile file = test::write_trips_csv(csv, rows, 7);
    int rejected_by_test_parser = 0;
    const std::vector<FullTrip> expected = trips_of_csv(csv, rejected_by_test_parser);
    ASSERT_EQ(expected.size(), static_cast<size_t>(rows));
    ASSERT_EQ(rejected_by_test_parser, file.broken_rows);

    std::vector<std::unique_ptr<test::ChildProcess>> consumers;
    for (int i = 0; i < 3; ++i)
        consumers.push_back(start_consumer(s, i));

    // Produce at a bounded rate so that the faults below land in the middle of ingestion.
    ProducerOptions po;
    po.topic = s.trips;
    po.dead_letter_topic = s.dead;
    po.jobs_topic = s.jobs;
    po.partitions = 12;
    po.job_id = new_job_id();
    po.rate_limit = static_cast<uint64_t>(rows / 25);  // about 25 s of producing
    ProducerSummary summary;
    std::jthread producer_thread([&] { summary = test::produce_file(po, csv); });

    // Faults, each while ingestion is under way (asserted): SIGKILL each consumer in turn
    // and restart it, then restart the database while everything runs.
    const std::string job = job_id_to_string(po.job_id);
    auto conn = std::make_unique<pqxx::connection>(config.database.url);
    const auto started = std::chrono::steady_clock::now();
    while (test::trips_stored(*conn, job) == 0 &&
           std::chrono::steady_clock::now() - started < 60s) {
        std::this_thread::sleep_for(100ms);
    }
    // The database restart first, while all three consumers are writing (after a SIGKILL the
    // group pauses until the victim's session times out, and a restart then would hit no one).
    std::this_thread::sleep_for(2s);
    EXPECT_LT(test::trips_stored(*conn, job), rows)
        << "database restart came after ingestion finished";
    conn.reset();  // the restart breaks it anyway
    ASSERT_EQ(test::run_command(std::string(TRIPSTREAM_SOURCE_DIR) + "/scripts/stack restart-db"),
              0);
    conn = std::make_unique<pqxx::connection>(config.database.url);
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(3s);
        const int64_t stored = test::trips_stored(*conn, job);
        EXPECT_GT(stored, 0);
        EXPECT_LT(stored, rows) << "fault " << round << " came after ingestion finished";
        const int victim = round % 3;
        consumers[victim]->signal(SIGKILL);
        EXPECT_EQ(consumers[victim]->wait(), 128 + SIGKILL);
        consumers[victim] = start_consumer(s, victim);
    }
    producer_thread.join();
    ASSERT_TRUE(summary.ok()) << summary.error;
    ASSERT_EQ(summary.rows_sent, static_cast<uint64_t>(rows));
    ASSERT_EQ(summary.rows_rejected, static_cast<uint64_t>(file.broken_rows));

    pqxx::connection verify(config.database.url);
    // A job completes when its accepted rows are stored; the producer's rejected rows come on
    // the dead-letter topic, which the consumers may still be reading then (slower under
    // ASan): wait for both before stopping them, or the test would count rows left unread.
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (!(job_completed(verify, job) &&
             producer_rejections_stored(verify, job) >= file.broken_rows) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(500ms);
    }
    for (auto& c : consumers)
        c->signal(SIGTERM);
    for (auto& c : consumers)
        EXPECT_EQ(c->wait(), 0);

    ASSERT_TRUE(job_completed(verify, job)) << "job not complete within 180 s; logs in " << s.dir;
    // Every accepted row stored exactly once, field for field (none lost, none twice).
    expect_same_trips(stored_trips(config.database.url, job), expected);

    pqxx::work tx(verify);
    // Rejected rows: exactly the broken ones, recorded from the dead-letter topic.
    const auto rejected = tx.exec_params1(
        "SELECT count(*), count(DISTINCT line) FROM tripstream.rejected_rows"
        " WHERE job_id = $1 AND stage = 'producer'",
        job);
    EXPECT_EQ(rejected[0].as<int>(), file.broken_rows);
    EXPECT_EQ(rejected[1].as<int>(), file.broken_rows);
    // The stored offsets cover every message of the trips topic.
    const auto ends = admin.end_offsets(s.trips);
    int64_t end_total = 0;
    for (auto e : ends)
        end_total += e;
    const auto stored = tx.exec_params1(
        "SELECT coalesce(sum(next_offset), 0) FROM tripstream.kafka_offsets"
        " WHERE consumer_group = $1 AND topic = $2",
        s.group, s.trips);
    EXPECT_EQ(stored[0].as<int64_t>(), end_total);
    // Both aggregates agree with the raw rows, key for key, over the whole database.
    const auto mismatches = tx.exec1(R"sql(
        WITH raw AS (
            SELECT region_id, trip_time, coalesce(cluster_id, -1)::smallint AS cluster_id,
                   (date_trunc('week', trip_time AT TIME ZONE 'UTC'))::date AS week_start,
                   (floor((ST_Y(origin) + 90.0) / 0.05)::int * 7200
                      + floor((ST_X(origin) + 180.0) / 0.05)::int) AS o_cell,
                   (floor((ST_Y(destination) + 90.0) / 0.05)::int * 7200
                      + floor((ST_X(destination) + 180.0) / 0.05)::int) AS d_cell
              FROM tripstream.trips),
        cells AS (SELECT region_id, week_start, o_cell, d_cell, count(*)::int AS trips
                    FROM raw GROUP BY 1, 2, 3, 4),
        clusters AS (SELECT region_id, week_start, cluster_id,
                            (extract(hour FROM trip_time AT TIME ZONE 'UTC')::int / 4)::smallint,
                            count(*)::int AS trips
                       FROM raw GROUP BY 1, 2, 3, 4)
        SELECT (SELECT count(*) FROM (SELECT * FROM cells
                  EXCEPT SELECT region_id, week_start, o_cell, d_cell, trips
                           FROM tripstream.trip_cell_counts) a),
               (SELECT count(*) FROM (SELECT region_id, week_start, o_cell, d_cell, trips
                                        FROM tripstream.trip_cell_counts EXCEPT SELECT * FROM cells) b),
               (SELECT count(*) FROM (SELECT * FROM clusters
                  EXCEPT SELECT region_id, week_start, cluster_id, tod_bucket, trips
                           FROM tripstream.trip_cluster_counts) c),
               (SELECT count(*) FROM (SELECT region_id, week_start, cluster_id, tod_bucket, trips
                                        FROM tripstream.trip_cluster_counts EXCEPT SELECT * FROM clusters) d))sql");
    EXPECT_EQ(mismatches[0].as<int64_t>(), 0) << "cell counts missing or wrong";
    EXPECT_EQ(mismatches[1].as<int64_t>(), 0) << "cell counts without raw trips";
    EXPECT_EQ(mismatches[2].as<int64_t>(), 0) << "cluster counts missing or wrong";
    EXPECT_EQ(mismatches[3].as<int64_t>(), 0) << "cluster counts without raw trips";
    // What the consumers went through, for the record (ctest -V shows it).
    int retries = 0;
    int fenced = 0;
    for (const auto& entry : std::filesystem::directory_iterator(s.dir)) {
        std::ifstream log(entry.path());
        for (std::string line; std::getline(log, line);) {
            retries += line.find("database unavailable") != std::string::npos;
            fenced += line.find("batch abandoned") != std::string::npos;
        }
    }
    std::cout << "fault test: " << rows << " rows, 3 SIGKILLs, 1 database restart; consumers "
              << "logged " << retries << " database retries and " << fenced << " fenced batches\n";
    EXPECT_GE(retries, 1)
        << "the database restart interrupted no consumer: the test proved nothing";
    if (!HasFailure()) std::filesystem::remove_all(s.dir);
}

}  // namespace
}  // namespace tripstream
