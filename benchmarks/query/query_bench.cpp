// Weekly-average latency at scale: fills a database with generated trips (as the consumer
// stores them: binary COPY with batch_id, aggregate rows from TripAggregates), loads a
// LiveTripIndex from it, and times both engines on the request classes of docs/query.md.
// Every index answer is checked against the database engine's (exactness on real data).
//
//   tripstream-query-bench --database-url URL --trips 10000000 [--runs 200] [--db-runs 3]
//                          [--keep] [--reuse] [--database-name NAME] [--fill-only]
//
// --fill-only creates and fills the database (kept) and exits: benchmarks/api/run uses it to
// give the real API a database of consumer-shaped rows.
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/db/binary_copy.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/log.hpp"
#include "tripstream/query/live_trip_index.hpp"
#include "tripstream/query/weekly_average.hpp"
#include "tripstream/time/civil_time.hpp"

using namespace tripstream;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kBatchTrips = 10'000;  // trips per batch_id, as a consumer batch

// `url` (URI form) with its database name replaced.
std::string with_database(const std::string& url, const std::string& name) {
    const size_t scheme = url.find("://");
    const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const size_t query = url.find('?', slash == std::string::npos ? 0 : slash);
    const std::string base = slash == std::string::npos ? url : url.substr(0, slash);
    return base + "/" + name + (query == std::string::npos ? "" : url.substr(query));
}

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

struct CompactTrip {
    int64_t time_us;
    GeoPoint origin;
    GeoPoint destination;
    int16_t region;
    int16_t datasource;
};

// Generated trips in time order (as a live feed appends them), batch_id per 10,000.
void fill(db::PgConnection& conn, int64_t trips, const Logger& log) {
    const TripGenerator gen;
    std::map<std::string, int16_t> regions;
    std::map<std::string, int16_t> datasources;
    for (const auto& r : gen.regions()) {
        conn.exec("INSERT INTO tripstream.regions (name) VALUES ($1)", {r.name});
        regions[r.name] = static_cast<int16_t>(regions.size() + 1);
    }
    for (const auto& d : gen.datasources()) {
        conn.exec("INSERT INTO tripstream.datasources (name) VALUES ($1)", {d});
        datasources[d] = static_cast<int16_t>(datasources.size() + 1);
    }
    auto t0 = Clock::now();
    std::vector<CompactTrip> all(static_cast<size_t>(trips));
    Trip t;
    for (int64_t i = 0; i < trips; ++i) {
        gen.generate(static_cast<uint64_t>(i), t);
        all[static_cast<size_t>(i)] = {t.time_us, t.origin, t.destination, regions.at(t.region),
                                       datasources.at(t.datasource)};
    }
    std::sort(all.begin(), all.end(),
              [](const CompactTrip& a, const CompactTrip& b) { return a.time_us < b.time_us; });
    log.info(cat("generated and sorted ", trips, " trips in ", seconds_since(t0), " s"));
    std::set<int64_t> months;
    for (const auto& c : all) {
        const CivilDate d = civil_from_days(days_from_micros(c.time_us));
        if (months.insert(int64_t{d.year} * 12 + d.month).second) {
            conn.exec("SELECT tripstream.ensure_trip_partition($1::timestamptz)",
                      {format_datetime(c.time_us) + "+00"});
        }
    }
    t0 = Clock::now();
    TripAggregates aggregates;
    db::BinaryCopyBuffer rows;
    const std::string copy =
        "COPY tripstream.trips (trip_time, job_seq, region_id, datasource_id, cluster_id,"
        " model_id, origin, destination, batch_id) FROM STDIN WITH (FORMAT binary)";
    for (int64_t i = 0; i < trips; ++i) {
        const CompactTrip& c = all[static_cast<size_t>(i)];
        rows.begin_row(9);
        rows.add_timestamptz(c.time_us);
        rows.add_int32(1);
        rows.add_int16(c.region);
        rows.add_int16(c.datasource);
        rows.add_null();
        rows.add_null();
        rows.add_point_4326(c.origin);
        rows.add_point_4326(c.destination);
        rows.add_int64(i / kBatchTrips + 1);
        t.time_us = c.time_us;
        t.origin = c.origin;
        t.destination = c.destination;
        aggregates.add(c.region, t, -1);
        if (rows.rows() == 200'000 || i + 1 == trips) {
            conn.copy_in(copy, rows.finish());
            rows.clear();
        }
        if ((i + 1) % 2'000'000 == 0) log.info(cat("stored ", i + 1, " trips"));
    }
    db::BinaryCopyBuffer cells;
    aggregates.cells_to_copy(cells);
    conn.copy_in("COPY tripstream.trip_cell_counts FROM STDIN WITH (FORMAT binary)",
                 cells.finish());
    conn.exec("SELECT setval('tripstream.trip_batch_seq', $1::bigint)",
              {std::to_string(trips / kBatchTrips + 1)});
    log.info(cat("stored ", trips, " trips in ", seconds_since(t0), " s; vacuum analyze"));
    conn.exec("VACUUM ANALYZE");
}

struct RequestClass {
    std::string name;
    query::WeeklyAverageRequest request;
};

std::vector<RequestClass> request_classes() {
    const auto days = [](int y, int m, int d) { return days_from_civil(y, m, d); };
    const GeoBox city{14.34, 50.03, 14.54, 50.13};  // 0.2 x 0.1 degrees around the centre
    std::vector<RequestClass> c;
    c.push_back({"region only (Prague)", {.region = "Prague"}});
    c.push_back(
        {"region + box around the whole region, any",
         {.region = "Prague", .bbox = GeoBox{13.9, 49.7, 15.0, 50.5}, .match = query::Match::any}});
    c.push_back({"region + city box 0.2 x 0.1, both", {.region = "Prague", .bbox = city}});
    c.push_back({"region + city box 0.2 x 0.1, any",
                 {.region = "Prague", .bbox = city, .match = query::Match::any}});
    c.push_back({"region + city box, 4 weeks, origin",
                 {.region = "Prague",
                  .bbox = city,
                  .from_days = days(2018, 3, 5),
                  .to_days = days(2018, 4, 1),
                  .match = query::Match::origin}});
    c.push_back({"region + 1 km box, destination",
                 {.region = "Prague",
                  .bbox = GeoBox{14.431, 50.071, 14.445, 50.080},
                  .match = query::Match::destination}});
    c.push_back({"box only, city box, both", {.bbox = city}});
    c.push_back({"box only, grid-aligned 0.1 x 0.1, origin",
                 {.bbox = GeoBox{14.4, 50.0, 14.5, 50.1}, .match = query::Match::origin}});
    return c;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
    return v[i];
}

bool same(const query::WeeklyAverageResult& a, const query::WeeklyAverageResult& b) {
    if (a.weeks != b.weeks || a.total_trips != b.total_trips || a.from_days != b.from_days ||
        a.to_days != b.to_days || a.series.size() != b.series.size()) {
        return false;
    }
    for (size_t i = 0; i < a.series.size(); ++i) {
        if (a.series[i].week_start_days != b.series[i].week_start_days ||
            a.series[i].trips != b.series[i].trips) {
            return false;
        }
    }
    return true;
}

int64_t rss_bytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"weekly-average benchmark: LiveTripIndex vs the database engine"};
    std::string url;
    int64_t trips = 1'000'000;
    int runs = 200;
    int db_runs = 3;
    bool keep = false;
    bool reuse = false;
    std::string only;
    std::string database_name;
    bool fill_only = false;
    app.add_option("--database-url", url, "server to create the benchmark database on")->required();
    app.add_option("--trips", trips, "generated trips");
    app.add_option("--runs", runs, "index runs per request class");
    app.add_option("--db-runs", db_runs,
                   "database-engine runs per request class (at least one, for the equality check)");
    app.add_flag("--keep", keep, "keep the database afterwards");
    app.add_flag("--reuse", reuse, "use the database if a previous --keep left it");
    app.add_option("--only", only, "run only the request classes whose name contains this");
    app.add_option("--database-name", database_name,
                   "benchmark database [default tripstream_query_bench_TRIPS]");
    app.add_flag("--fill-only", fill_only,
                 "create and fill the database (or keep it with --reuse), then exit");
    CLI11_PARSE(app, argc, argv);
    const Logger log("query-bench", LogLevel::info);
    const std::string name =
        database_name.empty() ? "tripstream_query_bench_" + std::to_string(trips) : database_name;
    const std::string bench_url = with_database(url, name);
    {
        db::PgConnection admin(url, "tripstream-query-bench");
        const bool exists =
            !db::first_value(admin.exec("SELECT 1 FROM pg_database WHERE datname = $1", {name}))
                 .empty();
        if (!(reuse && exists)) {
            admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            admin.exec("CREATE DATABASE " + name);
            db::PgConnection conn(bench_url, "tripstream-query-bench");
            conn.exec("CREATE EXTENSION IF NOT EXISTS postgis");
            db::migrate(bench_url);
            fill(conn, trips, log);
        }
    }
    if (fill_only) return 0;
    db::PgConnection conn(bench_url, "tripstream-query-bench");
    const auto size = db::first_value(
        conn.exec("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c"
                  " ON c.oid = i.inhrelid WHERE i.inhparent = 'tripstream.trips'::regclass"));
    std::printf("trips: %lld, trips partitions incl. indexes: %.1f bytes/trip\n",
                static_cast<long long>(trips), std::stod(size) / static_cast<double>(trips));

    const int64_t rss_before = rss_bytes();
    query::LiveTripIndex index(bench_url, log);
    const auto started = Clock::now();
    index.start();
    while (!index.stats().ready)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double ready_after = seconds_since(started);
    const auto stats = index.stats();
    std::printf(
        "index: ready after %.1f s (load %.1f s), %lld trips, %lld segments, %.1f MiB "
        "(%.1f bytes/trip), process RSS +%.1f MiB\n",
        ready_after, stats.load_seconds, static_cast<long long>(stats.trips),
        static_cast<long long>(stats.segments), stats.memory_bytes / 1048576.0,
        static_cast<double>(stats.memory_bytes) / static_cast<double>(stats.trips),
        (rss_bytes() - rss_before) / 1048576.0);

    std::printf(
        "\n| request | index p50 ms | index p99 ms | index p99 CPU ms | checked trips | DB p50 ms "
        "| equal |\n");
    std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
    bool all_equal = true;
    const auto time_ms = [](auto&& f) {
        const auto t = Clock::now();
        f();
        return seconds_since(t) * 1000;
    };
    // CPU time of this thread: the engine's own cost, without the time a busy machine
    // keeps it off the CPU.
    const auto thread_cpu_ms = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
    };
    auto classes = request_classes();
    // Random city-size boxes (0.05 to 0.3 degrees) around every region's centre.
    std::mt19937_64 rng(7);
    const TripGenerator gen;
    for (const auto& match : {query::Match::both, query::Match::any}) {
        for (int i = 0; i < 4; ++i) {
            const auto& r = gen.regions()[rng() % gen.regions().size()];
            std::uniform_real_distribution<double> u(-0.1, 0.1), s(0.05, 0.3);
            const double lon = r.centre.lon + u(rng), lat = r.centre.lat + u(rng);
            const double w = s(rng), h = s(rng) / 2;
            classes.push_back(
                {cat("random box ", r.name, " ", w, " x ", h, ", ", query::match_name(match)),
                 {.region = r.name,
                  .bbox = GeoBox{lon - w / 2, lat - h / 2, lon + w / 2, lat + h / 2},
                  .match = match}});
        }
    }
    for (const auto& c : classes) {
        if (!only.empty() && c.name.find(only) == std::string::npos) continue;
        std::vector<double> index_ms;
        std::vector<double> cpu_ms;
        std::optional<query::WeeklyAverageResult> got;
        for (int i = 0; i < runs; ++i) {
            const double cpu = thread_cpu_ms();
            index_ms.push_back(time_ms([&] { got = index.weekly_average(c.request); }));
            cpu_ms.push_back(thread_cpu_ms() - cpu);
        }
        std::vector<double> db_ms;
        query::WeeklyAverageResult expected;
        for (int i = 0; i < std::max(db_runs, 1); ++i)
            db_ms.push_back(time_ms([&] { expected = query::weekly_average(conn, c.request); }));
        const bool equal = got && same(*got, expected);
        all_equal = all_equal && equal;
        std::printf("| %s | %.3f | %.3f | %.3f | %lld | %.1f | %s |\n", c.name.c_str(),
                    percentile(index_ms, 0.5), percentile(index_ms, 0.99), percentile(cpu_ms, 0.99),
                    got ? static_cast<long long>(got->stats.boundary_trips) : -1LL,
                    percentile(db_ms, 0.5), equal ? "yes" : "NO");
    }
    index.stop();
    if (!keep) {
        db::PgConnection admin(url, "tripstream-query-bench");
        admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
    return all_equal ? 0 : 1;
}
