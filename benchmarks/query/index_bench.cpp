// The in-memory weekly-average index alone, at any scale, with no database: generates trips,
// builds the per-region trees as a full load does (TripIndexSnapshot of RegionTrips), and
// times the request mix of benchmarks/api/targets.py (its targets.tsv) one request at a time.
// Prints the build time, the index's memory per trip, and per class p50/p99 with the trips
// counted whole and checked one by one. With --check K, the first K requests of every class
// are also answered by brute force over the generated trips (trip_matches on every trip) and
// any difference fails the run: the profile target for perf and callgrind, and an oracle.
//
//   tripstream-index-bench --trips 100000000 --targets DIR/targets.tsv [--seed 7]
//                          [--weeks 52] [--runs 200] [--check 20] [--only city]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/query/region_trips.hpp"
#include "tripstream/query/trip_index_file.hpp"
#include "tripstream/query/trip_index_snapshot.hpp"
#include "tripstream/query/week_series.hpp"

using namespace tripstream;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Target {
    std::string cls;
    query::WeeklyAverageRequest request;
};

std::optional<std::string> field(const std::vector<std::string>& f, size_t i) {
    if (i >= f.size() || f[i].empty()) return std::nullopt;
    return f[i];
}

// targets.tsv: set, class, region, minLon, minLat, maxLon, maxLat, match, from, to, path.
std::vector<Target> read_targets(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<Target> out;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream s(line);
        for (std::string x; std::getline(s, x, '\t');)
            f.push_back(x);
        if (f.size() < 10) continue;
        query::WeeklyAverageParams p;
        p.region = field(f, 2);
        if (field(f, 3)) p.bbox = f[3] + "," + f[4] + "," + f[5] + "," + f[6];
        if (p.bbox) p.match = field(f, 7);
        p.from = field(f, 8);
        p.to = field(f, 9);
        auto parsed = query::parse_weekly_average_request(p);
        if (auto* r = std::get_if<query::WeeklyAverageRequest>(&parsed)) {
            out.push_back({f[0], std::move(*r)});
        } else {
            throw std::runtime_error("bad target: " + line);
        }
    }
    return out;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

int64_t rss_bytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    }
    return 0;
}

bool same(const query::WeeklyAverageResult& a, const query::WeeklyAverageResult& b) {
    if (a.weeks != b.weeks || a.total_trips != b.total_trips || a.series.size() != b.series.size())
        return false;
    for (size_t i = 0; i < a.series.size(); ++i) {
        if (a.series[i].trips != b.series[i].trips) return false;
    }
    return true;
}

// The brute-force answer: every trip of the asked regions compared one by one.
query::WeeklyAverageResult brute_force(const std::vector<query::IndexedTrip>& trips,
                                       const query::TripIndexSnapshot& snapshot,
                                       const query::WeeklyAverageRequest& request) {
    // The week range exactly as the index decides it (requested_weeks over its data).
    query::WeeklyAverageResult shape = snapshot.weekly_average(request);
    query::WeeklyAverageResult r = shape;
    r.total_trips = 0;
    for (auto& w : r.series)
        w.trips = 0;
    std::optional<int16_t> region;
    if (request.region) region = snapshot.region_ids.at(*request.region);
    for (const auto& t : trips) {
        if (region && t.region_id != *region) continue;
        if (request.bbox &&
            !query::trip_matches(*request.bbox, request.match, t.origin, t.destination)) {
            continue;
        }
        if (r.series.empty()) continue;
        const int64_t i = (t.week - r.series.front().week_start_days) / 7;
        if (t.week < r.series.front().week_start_days || i >= static_cast<int64_t>(r.series.size()))
            continue;
        ++r.series[static_cast<size_t>(i)].trips;
        ++r.total_trips;
    }
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"weekly-average index benchmark: generated trips, no database"};
    int64_t trips = 10'000'000;
    std::string targets_path;
    uint64_t seed = 7;
    int weeks = 52;
    int runs = 200;
    int check = 0;
    int repeat = 1;
    std::string only;
    std::string index_dir;
    bool by_match = false;
    std::string save_path;
    app.add_option("--trips", trips, "generated trips");
    app.add_option("--targets", targets_path, "targets.tsv of benchmarks/api/targets.py")
        ->required();
    app.add_option("--seed", seed, "generator seed");
    app.add_option("--weeks", weeks, "generated weeks");
    app.add_option("--runs", runs, "requests timed per class");
    app.add_option("--check", check, "requests per class checked by brute force");
    app.add_option("--repeat", repeat, "times every class's requests are timed (for profiles)");
    app.add_option("--index-dir", index_dir, "directory for the coordinate files (INDEX_DIR)");
    app.add_option("--save", save_path,
                   "save the index to this file, load it back, time both, and query the loaded "
                   "index (its answers are compared with the built one's)");
    app.add_flag("--by-match", by_match, "one row per class and match value");
    app.add_option("--only", only, "only the classes whose name contains this");
    CLI11_PARSE(app, argc, argv);

    const auto targets = read_targets(targets_path);
    GeneratorOptions options;
    options.seed = seed;
    options.weeks = weeks;
    const TripGenerator gen(options);
    query::TripIndexSnapshot snapshot;
    for (const auto& r : gen.regions())
        snapshot.region_ids[r.name] = static_cast<int16_t>(snapshot.region_ids.size() + 1);

    auto t0 = Clock::now();
    std::vector<query::IndexedTrip> all(static_cast<size_t>(trips));
    Trip t;
    for (int64_t i = 0; i < trips; ++i) {
        gen.generate(static_cast<uint64_t>(i), t);
        all[static_cast<size_t>(i)] = {snapshot.region_ids.at(t.region),
                                       query::trip_week(t.time_us), t.origin, t.destination};
    }
    std::cerr << "generated " << trips << " trips in " << seconds_since(t0) << " s\n";
    t0 = Clock::now();
    for (const auto& [name, id] : snapshot.region_ids) {
        std::vector<query::IndexedTrip> mine;
        for (const auto& x : all) {
            if (x.region_id == id) mine.push_back(x);
        }
        if (!mine.empty())
            snapshot.regions[id] = query::RegionTrips::of(std::move(mine), {index_dir});
    }
    const double build_s = seconds_since(t0);
    std::cout << "trips " << trips << ", build " << build_s << " s, memory "
              << snapshot.memory_bytes() << " B ("
              << static_cast<double>(snapshot.memory_bytes()) / static_cast<double>(trips)
              << " B/trip), coordinate files " << snapshot.file_bytes() << " B, RSS " << rss_bytes()
              << " B\n";
    if (check == 0) all = {};
    std::shared_ptr<const query::TripIndexSnapshot> loaded;
    if (!save_path.empty()) {
        t0 = Clock::now();
        query::save_index(save_path, snapshot, {"index-bench", 0, {}});
        std::cout << "saved in " << seconds_since(t0) << " s\n";
        t0 = Clock::now();
        loaded = query::load_index(save_path, {index_dir})->snapshot;
        std::cout << "loaded in " << seconds_since(t0) << " s, memory " << loaded->memory_bytes()
                  << " B, RSS " << rss_bytes() << " B\n";
    }
    const query::TripIndexSnapshot& queried = loaded ? *loaded : snapshot;

    std::map<std::string, std::vector<const Target*>> by_class;
    for (const auto& x : targets) {
        if (!only.empty() && x.cls.find(only) == std::string::npos) continue;
        const bool boxed = x.request.bbox.has_value();
        by_class[by_match && boxed ? x.cls + " " + std::string(query::match_name(x.request.match))
                                   : x.cls]
            .push_back(&x);
    }
    std::cout
        << "| class | p50 ms | p99 ms | mean ms | mean whole-node trips | mean checked trips |\n"
           "|---|---|---|---|---|---|\n";
    int failures = 0;
    for (const auto& [cls, list] : by_class) {
        std::vector<double> ms;
        double whole = 0;
        double checked = 0;
        double exact = 0;
        const size_t n = std::min(list.size(), static_cast<size_t>(runs));
        const double timed = static_cast<double>(n) * repeat;
        for (size_t k = 0; k < n * static_cast<size_t>(repeat); ++k) {
            const size_t i = k % n;
            const auto s = Clock::now();
            const auto r = queried.weekly_average(list[i]->request);
            ms.push_back(seconds_since(s) * 1e3);
            whole += static_cast<double>(r.stats.aggregate_trips);
            checked += static_cast<double>(r.stats.boundary_trips);
            exact += static_cast<double>(r.stats.exact_trips);
            if (k < n && static_cast<int>(i) < check &&
                !same(r, brute_force(all, snapshot, list[i]->request))) {
                ++failures;
                std::cerr << "MISMATCH in class " << cls << " request " << i << "\n";
            }
        }
        double sum = 0;
        for (double v : ms)
            sum += v;
        std::cout << "| " << cls << " | " << percentile(ms, 0.5) << " | " << percentile(ms, 0.99)
                  << " | " << sum / static_cast<double>(ms.size()) << " | "
                  << static_cast<int64_t>(whole / timed) << " | "
                  << static_cast<int64_t>(checked / timed) << " | " << exact / timed << " |\n";
    }
    if (failures > 0) {
        std::cerr << failures << " answers differ from brute force\n";
        return 1;
    }
    return 0;
}
