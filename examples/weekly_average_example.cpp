// weekly_average_example: tripstream's library on its own, with no Kafka and no database.
// Reads a trips CSV (the producer's input format), trains the trip-clustering k-means and
// assigns every trip to a cluster, builds the in-memory weekly-average index and answers one
// weekly-average question, given with the API's parameter names. The answer goes to stdout
// as one line of JSON, the body GET /v1/trips/weekly-average gives for the same trips once a
// consumer has stored them; what the program did (trips read, clusters) goes to stderr.
// Built against the installed package (CMakeLists.txt here, docs/library.md).
//
//   weekly_average_example data/sample-trips.csv --region Prague --bbox 14.35,50.05,14.5,50.12
//
// Exit codes: 0 answered, 1 failure, 2 bad usage, input or question (e.g. an unknown region).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "tripstream/app/app_main.hpp"
#include "tripstream/kmeans/training.hpp"
#include "tripstream/producer/trip_source.hpp"
#include "tripstream/query/trip_index_builder.hpp"
#include "tripstream/query/weekly_average_json.hpp"
#include "tripstream/query/weekly_average_request.hpp"

namespace {

using namespace tripstream;

constexpr const char* kProgram = "weekly_average_example";

struct Options {
    std::string csv;
    query::WeeklyAverageParams params;  // as the API's query string has them
    int k = 8;
};

void define(CLI::App& app, Options& o) {
    app.description(
        "Answers the weekly-average question of GET /v1/trips/weekly-average for the trips of\n"
        "a CSV file, with tripstream's library alone (k-means clusters and the in-memory\n"
        "index; no Kafka, no database). Prints the API's JSON body on stdout.");
    app.add_option("csv", o.csv, "trips CSV file")->required();
    app.add_option("--region", o.params.region, "region name");
    app.add_option("--bbox", o.params.bbox, "box minLon,minLat,maxLon,maxLat (edges included)");
    app.add_option("--from", o.params.from, "first day, YYYY-MM-DD (its ISO week)");
    app.add_option("--to", o.params.to, "last day, YYYY-MM-DD (its ISO week)");
    app.add_option("--match", o.params.match,
                   "which trip end must be in the box: origin, destination, both (default), any");
    app.add_option("-k,--k", o.k, "k-means clusters per region")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
}

// The valid trips of the file; rejected rows are only counted (the producer sends them to
// the dead-letter topic, so the API does not count them either).
std::vector<Trip> read_trips(const std::string& path) {
    CsvTripSource source(path);
    std::vector<Trip> trips;
    Trip trip;
    SourceRow row;
    unsigned long long rejected = 0;
    while (source.next(trip, row)) {
        if (row.ok) {
            trips.push_back(trip);
        } else {
            ++rejected;
        }
    }
    std::fprintf(stderr, "%s: %zu trips, %llu rows rejected\n", path.c_str(), trips.size(),
                 rejected);
    if (trips.empty()) throw std::runtime_error(path + ": no valid trip");
    return trips;
}

// One k-means per region, as tripstream-train makes it (kmeans/training.hpp).
kmeans::KMeansModel train(const std::vector<Trip>& trips, int k) {
    kmeans::TrainOptions options;
    options.kmeans.k = k;
    kmeans::FeatureBuilder features(options.scaling);
    for (const Trip& trip : trips)
        features.add(trip);
    return kmeans::train_model(features.finish(), options).model;
}

// Assigns every trip as the consumer does before storing it, and shows each cluster's trips.
void print_clusters(const kmeans::KMeansModel& model, const std::vector<Trip>& trips) {
    std::vector<unsigned long long> sizes(static_cast<size_t>(model.cluster_count()));
    for (const Trip& trip : trips) {
        if (const auto id = model.assign(trip)) ++sizes[static_cast<size_t>(*id)];
    }
    std::fprintf(stderr, "model %s: %d clusters in %zu regions\n", model.version().c_str(),
                 model.cluster_count(), model.regions().size());
    for (const kmeans::RegionModel& region : model.regions()) {
        for (const kmeans::ClusterSummary& cluster : region.clusters) {
            std::fprintf(stderr, "  cluster %d, %s; %llu assigned\n", cluster.id,
                         cluster.description.c_str(), sizes[static_cast<size_t>(cluster.id)]);
        }
    }
}

int run(const Options& o) {
    // The question is checked before any work, with the API's own rules and messages.
    const auto parsed = query::parse_weekly_average_request(o.params);
    if (const auto* bad = std::get_if<query::ParameterError>(&parsed)) {
        std::fprintf(stderr, "%s: %s: %s\n", kProgram, bad->parameter.c_str(),
                     bad->message.c_str());
        return kExitUsage;
    }
    const std::vector<Trip> trips = read_trips(o.csv);
    print_clusters(train(trips, o.k), trips);

    query::TripIndexBuilder index;
    for (const Trip& trip : trips)
        index.add(trip);
    const query::TripIndexSnapshot snapshot = index.finish();
    try {
        const auto result = snapshot.weekly_average(std::get<query::WeeklyAverageRequest>(parsed));
        std::printf("%s\n", query::weekly_average_json(result).dump().c_str());
    } catch (const query::RequestError& e) {  // an unknown region: the API's 400
        std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
        return kExitUsage;
    }
    return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{kProgram};
    Options options;
    define(app, options);
    if (const auto exit_code = parse_command_line(kProgram, app, argc, argv)) return *exit_code;
    return run_main(kProgram, [&] { return run(options); });
}
