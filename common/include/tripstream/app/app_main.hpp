// The shared shape of every tripstream executable's main(): known failures become one clear
// line on stderr and a documented exit code, never a stack trace.
//
// Exit codes: 0 success, 1 runtime failure, 2 bad usage / configuration / input header,
// 128+N interrupted by signal N.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

#include "tripstream/process/shutdown_signal.hpp"

namespace tripstream {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Runs `body`, mapping ConfigError, HeaderError, CLI11 errors (exit 2) and any other
// exception (exit 1) to a one-line message prefixed with `program`.
int run_main(const char* program, const std::function<int()>& body);

// Parses the command line and runs `check` (which may throw CLI11 errors for combinations of
// options). Returns nullopt to go on, or the exit code: 0 after --help or --version (which
// prints "`program` kVersion"), 2 for a usage error (CLI11's own codes are folded into the
// documented 2).
std::optional<int> parse_command_line(const char* program, CLI::App& app, int argc, char** argv,
                                      const std::function<void()>& check = {});

// The whole main() of a long-running service (consumer, API): SIGINT/SIGTERM become a stop
// request before any thread starts, `define` declares the options, `run` does the work.
template <typename Options>
int service_main(const char* program, int argc, char** argv, void (*define)(CLI::App&, Options&),
                 int (*run)(const Options&, ShutdownSignal&)) {
    ShutdownSignal shutdown;  // first: every later thread inherits the blocked signals
    CLI::App app{program};
    Options options;
    define(app, options);
    if (const auto exit_code = parse_command_line(program, app, argc, argv)) return *exit_code;
    return run_main(program, [&] { return run(options, shutdown); });
}

}  // namespace tripstream
