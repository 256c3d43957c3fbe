#include "tripstream/app/app_main.hpp"

#include <cstdio>
#include <exception>
#include <string>

#include "tripstream/config.hpp"
#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/io/byte_source.hpp"
#include "tripstream/version.hpp"

namespace tripstream {

int run_main(const char* program, const std::function<int()>& body) {
    try {
        return body();
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "%s: configuration error: %s\n", program, e.what());
        return kExitUsage;
    } catch (const HeaderError& e) {
        std::fprintf(stderr, "%s: bad input: %s\n", program, e.what());
        return kExitUsage;
    } catch (const IoError& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", program, e.what());
        return kExitFailure;
    }
}

std::optional<int> parse_command_line(const char* program, CLI::App& app, int argc, char** argv,
                                      const std::function<void()>& check) {
    // Here rather than in each main(): every executable answers --version the same way.
    app.set_version_flag("--version", std::string(program) + " " + kVersion);
    try {
        app.parse(argc, argv);
        if (check) check();
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? kExitOk : kExitUsage;
    }
    return std::nullopt;
}

}  // namespace tripstream
