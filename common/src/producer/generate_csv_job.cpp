#include "tripstream/producer/generate_csv_job.hpp"

#include <atomic>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tripstream/app/app_main.hpp"
#include "tripstream/generator/generated_csv.hpp"

namespace tripstream {

int generate_csv_job(const TripInputOptions& input, const std::string& output,
                     ProgressMode progress_mode, const Logger& log, ShutdownSignal& shutdown) {
    std::atomic<uint64_t> written{0};
    const auto started = std::chrono::steady_clock::now();
    uint64_t rows = 0;
    {
        ProgressReporter progress(
            "generating",
            [&] {
                return ProgressSnapshot{
                    written.load(),
                    static_cast<double>(written.load()) / static_cast<double>(input.generate), ""};
            },
            output == "-" ? ProgressMode::none : progress_mode, log);
        rows = write_generated_csv(output, generator_options(input), input.generate, written,
                                   shutdown.requested());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const nlohmann::json summary = {
        {"output", output}, {"rows", rows}, {"seed", input.seed}, {"seconds", seconds}};
    (output == "-" ? std::cerr : std::cout) << summary.dump() << std::endl;
    return shutdown.requested() ? shutdown.exit_code() : kExitOk;
}

}  // namespace tripstream
