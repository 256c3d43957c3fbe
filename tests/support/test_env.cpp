#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "support/scratch_database.hpp"
#include "tripstream/kafka/kafka_admin.hpp"

namespace tripstream::test {
namespace {

// What this test process created on the stack, removed by the environment below.
struct Created {
    std::mutex mutex;
    std::vector<std::string> names;  // from unique_name: possible topic names
    std::unique_ptr<ScratchDatabase> database;
    bool used_stack = false;
};

Created& created() {
    static Created c;
    return c;
}

class IsolationEnvironment : public ::testing::Environment {
  public:
    void TearDown() override {
        Created& c = created();
        std::vector<std::string> topics;
        {
            std::lock_guard lock(c.mutex);
            if (!c.used_stack) return;
            for (const auto& n : c.names) {
                topics.push_back(n);
                topics.push_back(n + ".dlq");
                topics.push_back(n + ".jobs");
            }
        }
        try {
            kafka::KafkaAdmin(server_config().kafka).delete_topics(topics);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "could not delete the test's topics: " << e.what();
        }
        c.database.reset();  // drops it (FORCE: ends connections the test left open)
    }
};

[[maybe_unused]] ::testing::Environment* const kIsolation =
    ::testing::AddGlobalTestEnvironment(new IsolationEnvironment);

}  // namespace

const Config& server_config() {
    static const Config config = parse_config("", "defaults", process_env());
    return config;
}

const Config& stack_config() {
    static const Config config = [] {
        Config c = server_config();
        Created& created_now = created();
        {
            std::lock_guard lock(created_now.mutex);
            created_now.used_stack = true;
        }
        created_now.database = std::make_unique<ScratchDatabase>("it-process");
        c.database.url = created_now.database->url();
        return c;
    }();
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
    std::string name = prefix + "-" + std::to_string(now) + "-" + std::to_string(getpid()) + "-" +
                       std::to_string(counter++);
    std::lock_guard lock(created().mutex);
    created().names.push_back(name);
    return name;
}

}  // namespace tripstream::test
