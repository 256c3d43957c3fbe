#include "support/test_env.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>

namespace tripstream::test {

const Config& stack_config() {
    static const Config config = parse_config("", "defaults", process_env());
    return config;
}

std::string unique_name(const std::string& prefix) {
    static std::atomic<int> counter{0};
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return prefix + "-" + std::to_string(now) + "-" + std::to_string(getpid()) + "-" +
           std::to_string(counter++);
}

}  // namespace tripstream::test
