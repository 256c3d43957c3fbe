// The trip-input options shared by the executables that read trips (producer, train):
// INPUT (a CSV file or -) or --generate N with --seed and --weeks.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/producer/trip_source.hpp"

namespace tripstream {

struct TripInputOptions {
    std::string input;
    uint64_t generate = 0;
    uint64_t seed = 42;
    int weeks = 26;
};

// Adds INPUT, --generate, --seed and --weeks; `purpose` completes "generate N synthetic
// trips ..." in the help text.
void add_trip_input_options(CLI::App& app, TripInputOptions& options, const std::string& purpose);

// Exactly one of INPUT and --generate; throws a CLI11 error naming the option.
void check_trip_input(const TripInputOptions& options);

GeneratorOptions generator_options(const TripInputOptions& options);

// Opens the CSV file (HeaderError / IoError) or the generator.
std::unique_ptr<TripSource> open_trip_source(const TripInputOptions& options);

}  // namespace tripstream
