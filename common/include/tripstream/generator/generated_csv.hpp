// Writing generated trips to a CSV file (demo and benchmark data sets), in constant memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "tripstream/generator/trip_generator.hpp"

namespace tripstream {

// Writes the header and rows 0..count-1 to `path` ("-" = stdout). `written` is updated as
// rows go out (for progress); stops early when `stop` becomes true. Throws IoError.
uint64_t write_generated_csv(const std::string& path, const GeneratorOptions& options,
                             uint64_t count, std::atomic<uint64_t>& written,
                             const std::atomic<bool>& stop);

}  // namespace tripstream
