// tripstream-kmeans-bench: the C++ side of benchmarks/kmeans/run.
//   export: generated trips -> per-region feature matrices (raw little-endian float64, rows
//           of 6) plus manifest.json, so that scikit-learn trains on byte-identical data.
//   train:  trains tripstream's k-means on those files, one JSON line per region, then
//           (with --assign) measures single-thread assignment throughput of the model.
#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/kmeans/kmeans_model.hpp"
#include "tripstream/kmeans/thread_pool.hpp"
#include "tripstream/kmeans/training.hpp"

namespace {

using namespace tripstream;
using namespace tripstream::kmeans;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<Trip> generate_trips(uint64_t n, uint64_t seed) {
    GeneratorOptions options;
    options.seed = seed;
    const TripGenerator generator(options);
    std::vector<Trip> trips(n);
    for (uint64_t i = 0; i < n; ++i)
        generator.generate(i, trips[i]);
    return trips;
}

int export_features(uint64_t trips, uint64_t seed, const std::string& dir) {
    FeatureBuilder builder;
    for (const Trip& t : generate_trips(trips, seed))
        builder.add(t);
    std::filesystem::create_directories(dir);
    json manifest = {
        {"trips", trips}, {"seed", seed}, {"dim", kFeatureDim}, {"regions", json::array()}};
    for (const RegionFeatures& r : builder.finish()) {
        const std::string file = r.region + ".f64";
        std::ofstream out(dir + "/" + file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(r.values.data()),
                  static_cast<std::streamsize>(r.values.size() * sizeof(double)));
        if (!out) throw std::runtime_error("cannot write " + dir + "/" + file);
        manifest["regions"].push_back({{"name", r.region},
                                       {"rows", r.size()},
                                       {"file", file},
                                       {"centre", {r.centre.lon, r.centre.lat}}});
    }
    std::ofstream(dir + "/manifest.json") << manifest.dump(2) << '\n';
    return 0;
}

std::vector<RegionFeatures> load_features(const std::string& dir, json& manifest) {
    std::ifstream in(dir + "/manifest.json");
    if (!in) throw std::runtime_error("no " + dir + "/manifest.json: run export first");
    manifest = json::parse(in);
    std::vector<RegionFeatures> regions;
    for (const json& r : manifest["regions"]) {
        RegionFeatures f{r["name"], {r["centre"][0], r["centre"][1]}, {}};
        f.values.resize(r["rows"].get<std::size_t>() * kFeatureDim);
        std::ifstream data(dir + "/" + r["file"].get<std::string>(), std::ios::binary);
        data.read(reinterpret_cast<char*>(f.values.data()),
                  static_cast<std::streamsize>(f.values.size() * sizeof(double)));
        if (!data) throw std::runtime_error("short read: " + r["file"].get<std::string>());
        regions.push_back(std::move(f));
    }
    return regions;
}

// CPU time of the calling thread: on a shared machine the wall clock also counts the time
// other processes held the core, the thread's CPU time only its own work (per core).
double thread_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Rate {
    double per_wall_second;
    double per_cpu_second;
};

// Items per second of `assign_one(i)` over `count` items, repeated for at least a second,
// per wall-clock second and per CPU second of this thread.
template <typename F>
Rate throughput(std::size_t count, F&& assign_one) {
    volatile int sink = 0;
    std::size_t done = 0;
    const auto start = Clock::now();
    const double cpu_start = thread_cpu_seconds();
    do {
        int local = 0;
        for (std::size_t i = 0; i < count; ++i)
            local += assign_one(i);
        sink = sink + local;
        done += count;
    } while (since(start) < 1.0);
    const double wall = since(start);
    const double cpu = thread_cpu_seconds() - cpu_start;
    return {static_cast<double>(done) / wall, static_cast<double>(done) / cpu};
}

void measure_assignment(const KMeansModel& model, const std::vector<RegionFeatures>& regions,
                        const json& manifest, json& summary) {
    // Feature rows: the nearest-centroid search alone.
    std::vector<std::pair<int, const double*>> rows;
    for (const RegionFeatures& r : regions)
        for (std::size_t i = 0; i < r.size(); ++i)
            rows.emplace_back(model.region_index(r.region), &r.values[i * kFeatureDim]);
    const Rate features = throughput(rows.size(), [&](std::size_t i) {
        return model.assign_features(rows[i].first, rows[i].second);
    });
    summary["assign_features_per_s"] = features.per_wall_second;
    summary["assign_features_per_cpu_s"] = features.per_cpu_second;
    // Whole trips: region lookup by name, projection, sin/cos of the time, search.
    const auto trips = generate_trips(manifest["trips"], manifest["seed"]);
    const Rate whole =
        throughput(trips.size(), [&](std::size_t i) { return *model.assign(trips[i]); });
    summary["assign_trips_per_s"] = whole.per_wall_second;
    summary["assign_trips_per_cpu_s"] = whole.per_cpu_second;
}

int train(const std::string& dir, const KMeansOptions& options, bool assign) {
    json manifest;
    const auto regions = load_features(dir, manifest);
    ThreadPool pool(options.threads);
    std::vector<RegionModel> models;
    double total_seconds = 0;
    double total_inertia = 0;
    for (const RegionFeatures& r : regions) {
        const auto start = Clock::now();
        const KMeansResult fitted = fit(r.points(), options, pool);
        const double seconds = since(start);
        total_seconds += seconds;
        total_inertia += fitted.inertia;
        std::cout << json{{"region", r.region},
                          {"rows", r.size()},
                          {"k", options.k},
                          {"inertia", fitted.inertia},
                          {"iterations", fitted.iterations},
                          {"seconds", seconds},
                          {"pruned", 1.0 - static_cast<double>(fitted.distances_computed) /
                                               static_cast<double>(fitted.distances_naive)}}
                         .dump()
                  << std::endl;
        RegionModel m{r.region, r.centre, r.size(), fitted.inertia, fitted.iterations, {}};
        for (int c = 0; c < options.k; ++c) {
            ClusterSummary s;
            std::copy_n(&fitted.centroids[static_cast<std::size_t>(c) * kFeatureDim], kFeatureDim,
                        s.centroid.begin());
            m.clusters.push_back(s);
        }
        models.push_back(std::move(m));
    }
    json summary = {{"region", "TOTAL"},
                    {"k", options.k},
                    {"inertia", total_inertia},
                    {"seconds", total_seconds},
                    {"threads", pool.size()}};
    if (assign) measure_assignment(KMeansModel({}, std::move(models)), regions, manifest, summary);
    std::cout << summary.dump() << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"tripstream-kmeans-bench: the C++ side of benchmarks/kmeans/run"};
    app.require_subcommand(1);
    std::string dir;
    uint64_t trips = 1'000'000;
    uint64_t seed = 42;
    KMeansOptions options;
    options.algorithm = Algorithm::lloyd;
    options.threads = 2;
    bool assign = false;
    auto* exp = app.add_subcommand("export", "write the per-region feature matrices");
    exp->add_option("--dir", dir, "output folder")->required();
    exp->add_option("--trips", trips, "generated trips")->capture_default_str();
    exp->add_option("--seed", seed, "generator seed")->capture_default_str();
    auto* tr = app.add_subcommand("train", "train on exported matrices; JSON lines on stdout");
    tr->add_option("--dir", dir, "folder written by export")->required();
    tr->add_option("--k", options.k)->capture_default_str();
    tr->add_option("--n-init", options.n_init)->capture_default_str();
    tr->add_option("--max-iter", options.max_iter)->capture_default_str();
    tr->add_option("--tol", options.tol)->capture_default_str();
    tr->add_option("--seed", options.seed)->capture_default_str();
    tr->add_option("--threads", options.threads)->capture_default_str();
    tr->add_flag("--assign", assign, "also measure single-thread assignment throughput");
    CLI11_PARSE(app, argc, argv);
    try {
        if (exp->parsed()) return export_features(trips, seed, dir);
        return train(dir, options, assign);
    } catch (const std::exception& e) {
        std::cerr << "tripstream-kmeans-bench: " << e.what() << '\n';
        return 1;
    }
}
