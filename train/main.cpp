// tripstream-train: reads trips (a CSV file, or generated), trains one k-means per region
// and writes the model file the consumer assigns clusters with. Wiring only: the work is in
// tripstream_common (kmeans/).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "tripstream/app/app_main.hpp"
#include "tripstream/app/trip_input_options.hpp"
#include "tripstream/kmeans/training.hpp"
#include "tripstream/producer/trip_source.hpp"

namespace tripstream {
namespace {

using namespace kmeans;

struct Options {
    TripInputOptions in;
    std::string output;
    int k = 16;
    std::vector<std::string> k_region;  // NAME=K
    std::string auto_k;                 // MIN:MAX
    std::string criterion = "silhouette";
    int n_init = 3;
    int max_iter = 100;
    double tol = 1e-4;
    int threads = 0;
    std::string algorithm = "auto";
    std::size_t batch_size = 4096;
    double metres_per_hour = 1000;
};

void define(CLI::App& app, Options& o) {
    app.description(
        "Trains the trip-clustering model: one k-means per region over (origin, destination,\n"
        "time of day), and writes it as JSON for the consumer. Prints per region: trips, k,\n"
        "inertia, iterations and time. Exit codes: 0 model written, 1 failure, 2 bad usage or\n"
        "input. See docs/kmeans.md.");
    add_trip_input_options(app, o.in, "and train on them instead of INPUT");
    app.add_option("-o,--output", o.output, "model file to write")->required();
    app.add_option("-k,--k", o.k, "clusters per region (unless --k-region or --auto-k)")
        ->check(CLI::Range(1, 100'000))
        ->capture_default_str();
    app.add_option("--k-region", o.k_region,
                   "k for one region, e.g. --k-region Prague=24 (repeat)");
    app.add_option("--auto-k", o.auto_k,
                   "choose k per region in MIN:MAX by --k-criterion (regions without --k-region)");
    app.add_option("--k-criterion", o.criterion, "silhouette (on a sample) or elbow (on inertia)")
        ->check(CLI::IsMember({"silhouette", "elbow"}))
        ->capture_default_str();
    app.add_option("--n-init", o.n_init, "k-means++ restarts; the lowest inertia wins")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    app.add_option("--max-iter", o.max_iter, "Lloyd iterations per restart")
        ->check(CLI::Range(1, 1'000'000))
        ->capture_default_str();
    app.add_option("--tol", o.tol, "convergence: centroid movement relative to the data variance")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--threads", o.threads, "training threads, 0 = all cores")
        ->check(CLI::Range(0, 1024))
        ->capture_default_str();
    app.add_option("--algorithm", o.algorithm,
                   "lloyd (exact), mini-batch, or auto (mini-batch above 4 million trips/region)")
        ->check(CLI::IsMember({"auto", "lloyd", "mini-batch"}))
        ->capture_default_str();
    app.add_option("--batch-size", o.batch_size, "mini-batch size")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}))
        ->capture_default_str();
    app.add_option("--metres-per-hour", o.metres_per_hour,
                   "weight of time of day: one hour counts like this many metres")
        ->check(CLI::Range(1e-3, 1e9))
        ->capture_default_str();
}

std::pair<std::string, std::string> split_at(const std::string& text, char sep,
                                             const std::string& option) {
    const auto at = text.find(sep);
    if (at == std::string::npos || at == 0 || at + 1 == text.size())
        throw CLI::ValidationError(option, "'" + text + "' is not of the form A" + sep + "B");
    return {text.substr(0, at), text.substr(at + 1)};
}

int positive_int(const std::string& text, const std::string& option) {
    std::size_t used = 0;
    int value = 0;
    try {
        value = std::stoi(text, &used);
    } catch (const std::exception&) {
    }
    if (used != text.size() || value < 1)
        throw CLI::ValidationError(option, "'" + text + "' is not a positive integer");
    return value;
}

TrainOptions train_options(const Options& o) {
    TrainOptions t;
    t.kmeans.k = o.k;
    t.kmeans.n_init = o.n_init;
    t.kmeans.max_iter = o.max_iter;
    t.kmeans.tol = o.tol;
    t.kmeans.seed = o.in.seed;
    t.kmeans.threads = o.threads;
    t.kmeans.algorithm = algorithm_from_string(o.algorithm);
    t.kmeans.batch_size = o.batch_size;
    t.scaling.metres_per_hour = o.metres_per_hour;
    for (const std::string& entry : o.k_region) {
        const auto [name, k] = split_at(entry, '=', "--k-region");
        t.k_per_region[name] = positive_int(k, "--k-region");
    }
    if (!o.auto_k.empty()) {
        const auto [low, high] = split_at(o.auto_k, ':', "--auto-k");
        AutoKOptions a;
        a.k_min = positive_int(low, "--auto-k");
        a.k_max = positive_int(high, "--auto-k");
        if (a.k_max < a.k_min) throw CLI::ValidationError("--auto-k", "MIN is above MAX");
        a.criterion = criterion_from_string(o.criterion);
        t.auto_k = a;
    }
    return t;
}

// Reads every trip of the source; rejected rows are counted and the first few shown.
std::vector<RegionFeatures> read_features(TripSource& source, const FeatureScaling& scaling) {
    FeatureBuilder builder(scaling);
    Trip trip;
    SourceRow row;
    uint64_t rejected = 0;
    while (source.next(trip, row)) {
        if (row.ok) {
            builder.add(trip);
        } else if (++rejected <= 5) {
            std::fprintf(stderr, "tripstream-train: %s line %llu skipped: %s\n",
                         source.name().c_str(), static_cast<unsigned long long>(row.line),
                         row.error.reason().c_str());
        }
    }
    std::printf("%s: %zu trips, %llu rows rejected\n", source.name().c_str(), builder.size(),
                static_cast<unsigned long long>(rejected));
    if (builder.size() == 0)
        throw std::runtime_error(source.name() + ": no valid trip to train on");
    return builder.finish();
}

void print_reports(const TrainResult& result) {
    std::printf("%-16s %10s %6s %16s %6s %9s %7s %8s\n", "region", "trips", "k", "inertia", "iters",
                "converged", "pruned", "seconds");
    for (const RegionReport& r : result.reports) {
        std::printf("%-16s %10zu %6d %16.6g %6d %9s %6.1f%% %8.3f%s\n", r.region.c_str(), r.points,
                    r.k, r.inertia, r.iterations, r.converged ? "yes" : "no", 100 * r.pruned,
                    r.seconds, r.k_reduced ? "  (k reduced: fewer trips than k)" : "");
    }
}

int train(const Options& o) {
    const TrainOptions options = train_options(o);
    auto source = open_trip_source(o.in);
    const auto started = std::chrono::steady_clock::now();
    const auto regions = read_features(*source, options.scaling);
    const TrainResult result = train_model(regions, options);
    print_reports(result);
    result.model.save(o.output);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("model %s written to %s (%d clusters, %zu regions, %.2f s)\n",
                result.model.version().c_str(), o.output.c_str(), result.model.cluster_count(),
                result.model.regions().size(), seconds);
    return kExitOk;
}

}  // namespace
}  // namespace tripstream

int main(int argc, char** argv) {
    using namespace tripstream;
    constexpr const char* kProgram = "tripstream-train";
    CLI::App app{kProgram};
    Options options;
    define(app, options);
    const auto exit_code = parse_command_line(kProgram, app, argc, argv, [&] {
        check_trip_input(options.in);
        train_options(options);  // validates --k-region and --auto-k before any work
    });
    if (exit_code) return *exit_code;
    return run_main(kProgram, [&] { return train(options); });
}
