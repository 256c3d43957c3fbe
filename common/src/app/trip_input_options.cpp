#include "tripstream/app/trip_input_options.hpp"

namespace tripstream {

void add_trip_input_options(CLI::App& app, TripInputOptions& o, const std::string& purpose) {
    app.add_option("input", o.input, "trips CSV file, or - for standard input");
    app.add_option("--generate", o.generate, "generate N synthetic trips " + purpose)
        ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000'000}));
    app.add_option("--seed", o.seed, "generator seed (same seed, same rows)")
        ->capture_default_str();
    app.add_option("--weeks", o.weeks, "generator: weeks the trips span, from Monday 2018-01-01")
        ->check(CLI::Range(1, 520))
        ->capture_default_str();
}

void check_trip_input(const TripInputOptions& o) {
    if (o.generate == 0 && o.input.empty()) {
        throw CLI::RequiredError("INPUT (a trips CSV file or -) or --generate N");
    }
    if (o.generate > 0 && !o.input.empty()) {
        throw CLI::ValidationError("INPUT", "give either INPUT or --generate, not both");
    }
}

GeneratorOptions generator_options(const TripInputOptions& o) {
    GeneratorOptions g;
    g.seed = o.seed;
    g.weeks = o.weeks;
    return g;
}

std::unique_ptr<TripSource> open_trip_source(const TripInputOptions& o) {
    if (o.generate > 0)
        return std::make_unique<GeneratedTripSource>(generator_options(o), o.generate);
    return std::make_unique<CsvTripSource>(o.input);
}

}  // namespace tripstream
