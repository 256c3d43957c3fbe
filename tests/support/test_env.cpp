#include "support/test_env.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>

namespace tripstream::test {

const Config& stack_config() {
    static const Config config = parse_config("", "defaults", process_env());
    return config;
}

std::map<std::string, std::string> program_env(const std::string& topic) {
    const Config& c = stack_config();
    return {{"KAFKA_BOOTSTRAP_SERVERS", c.kafka.bootstrap_servers},
            {"DATABASE_URL", c.database.url},
            {"TOPIC", topic},
            {"DEAD_LETTER_TOPIC", topic + ".dlq"},
            {"JOBS_TOPIC", topic + ".jobs"},
            {"CONSUMER_GROUP", topic},
            {"TRIPSTREAM_CONFIG", "/dev/null"}};
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
