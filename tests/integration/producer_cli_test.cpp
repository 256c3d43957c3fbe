// tripstream-producer as a user runs it: exit codes, the JSON summary, SIGINT handling and a
// bad header, against the real broker.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/child_process.hpp"
#include "support/test_env.hpp"
#include "tripstream/kafka/kafka_admin.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

struct Run {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The JSON summary: the one output line that starts with '{'.
nlohmann::json summary_of(const std::string& output) {
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line[0] == '{') return nlohmann::json::parse(line);
    }
    return nlohmann::json();
}

int64_t topic_total(const std::string& topic) {
    kafka::KafkaAdmin admin(test::stack_config().kafka);
    int64_t total = 0;
    for (auto e : admin.end_offsets(topic))
        total += e;
    return total;
}

const std::string kProducer = std::string(TRIPSTREAM_BINARY_DIR) + "/producer/tripstream-producer";

TEST(ProducerCli, SigintFlushesWhatWasReadPrintsTheSummaryAndExits130) {
    const std::string topic = test::unique_name("it-cli-sigint");
    const auto log = std::filesystem::temp_directory_path() / (topic + ".log");
    test::ChildProcess producer(
        kProducer, {"--generate", "1000000000", "--rate-limit", "200000", "--progress", "log"},
        test::program_env(topic), log.string());
    std::this_thread::sleep_for(3s);
    producer.signal(SIGINT);
    const int code = producer.wait();
    const std::string output = slurp(log);
    std::filesystem::remove(log);
    EXPECT_EQ(code, 128 + SIGINT) << output;
    const auto summary = summary_of(output);
    ASSERT_TRUE(summary.is_object()) << output;
    EXPECT_TRUE(summary["interrupted"].get<bool>());
    EXPECT_TRUE(summary["ok"].get<bool>());
    const auto sent = summary["rows_sent"].get<int64_t>();
    EXPECT_GT(sent, 100000);
    EXPECT_EQ(topic_total(topic), sent);  // everything read was flushed and acknowledged
}

TEST(ProducerCli, MissingColumnsAreAFatalErrorNamingThem) {
    const std::string topic = test::unique_name("it-cli-header");
    const auto csv = std::filesystem::temp_directory_path() / (topic + ".csv");
    std::ofstream(csv) << "region,origin,datetime,datasource\nPrague,x,y,z\n";
    const auto log = std::filesystem::temp_directory_path() / (topic + ".log");
    test::ChildProcess producer(kProducer, {csv.string()}, test::program_env(topic), log.string());
    const int code = producer.wait();
    const std::string output = slurp(log);
    std::filesystem::remove(csv);
    std::filesystem::remove(log);
    EXPECT_EQ(code, 2) << output;
    EXPECT_NE(output.find("origin_coord, destination_coord"), std::string::npos) << output;
}

TEST(ProducerCli, BadConfigValueExits2NamingTheKey) {
    const std::string topic = test::unique_name("it-cli-config");
    auto env = test::program_env(topic);
    env["BATCH_SIZE"] = "lots";
    const auto log = std::filesystem::temp_directory_path() / (topic + ".log");
    test::ChildProcess producer(kProducer, {"--generate", "10"}, env, log.string());
    const int code = producer.wait();
    const std::string output = slurp(log);
    std::filesystem::remove(log);
    EXPECT_EQ(code, 2) << output;
    EXPECT_NE(output.find("consumer.batch_size"), std::string::npos) << output;
    EXPECT_NE(output.find("BATCH_SIZE"), std::string::npos) << output;
}

}  // namespace
}  // namespace tripstream
