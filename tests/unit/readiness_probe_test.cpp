// GET /readyz from the readiness probe's last results: ready only when every dependency's
// last check passed and is fresh, fixed words only (an error's text, which can name a host or
// a user, never reaches the answer), a result older than max_age is "unknown", and a call
// costs the same when a check hangs, because it never runs one itself.
#include "tripstream/api/readiness_probe.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "tripstream/api/health_handlers.hpp"

namespace tripstream::api {
namespace {

using namespace std::chrono_literals;

const Logger kQuiet("readiness-test", LogLevel::error);

// A dependency whose check passes while `ok` is true and otherwise throws a text that must
// never reach a client.
ReadinessProbe::Dependency flag_check(const std::string& name, std::atomic<bool>& ok) {
    return {name, [&ok] {
                if (!ok) {
                    throw std::runtime_error(
                        "connection to server at \"db.internal\" (10.1.2.3), port 5433 failed: "
                        "FATAL: password authentication failed for user \"tripstream\"");
                }
            }};
}

nlohmann::json readyz_json(const ReadinessProbe& probe, int expected_status) {
    ApiServices services;
    services.readiness = &probe;
    const auto response = readyz(services);
    EXPECT_EQ(response.status, expected_status) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    return nlohmann::json::parse(response.body);
}

TEST(ReadinessProbe, ReadyOnlyWhenEveryFreshCheckPassed) {
    std::atomic<bool> database{true};
    std::atomic<bool> kafka{true};
    ReadinessProbe probe({flag_check("database", database), flag_check("kafka", kafka)}, kQuiet,
                         {});
    auto body = readyz_json(probe, 503);  // nothing checked yet
    EXPECT_EQ(body["status"], "not ready");
    EXPECT_EQ(body["database"], "unknown");
    EXPECT_TRUE(body["checked_ms_ago"].is_null());

    probe.check_now();
    body = readyz_json(probe, 200);
    EXPECT_EQ(body["status"], "ready");
    EXPECT_EQ(body["database"], "ok");
    EXPECT_EQ(body["kafka"], "ok");
    EXPECT_GE(body["checked_ms_ago"].get<int64_t>(), 0);
    EXPECT_LT(body["checked_ms_ago"].get<int64_t>(), 1000);

    database = false;
    probe.check_now();
    body = readyz_json(probe, 503);
    EXPECT_EQ(body, nlohmann::json::parse(R"({"status":"not ready","database":"unavailable",
        "kafka":"ok","checked_ms_ago":)" + std::to_string(body["checked_ms_ago"].get<int>()) +
                                          "}"));
}

TEST(ReadinessProbe, NamesTheDependencyWithoutTheErrorText) {
    std::atomic<bool> database{false};
    std::atomic<bool> kafka{false};
    ReadinessProbe probe({flag_check("database", database), flag_check("kafka", kafka)}, kQuiet,
                         {});
    probe.check_now();
    ApiServices services;
    services.readiness = &probe;
    const auto response = readyz(services);
    EXPECT_EQ(response.status, 503);
    for (const char* secret : {"db.internal", "10.1.2.3", "5433", "tripstream", "password"})
        EXPECT_EQ(response.body.find(secret), std::string::npos)
            << secret << " in " << response.body;
    const auto body = nlohmann::json::parse(response.body);
    EXPECT_EQ(body["database"], "unavailable");
    EXPECT_EQ(body["kafka"], "unavailable");
}

TEST(ReadinessProbe, AnOldResultIsUnknownAndNotReady) {
    std::atomic<bool> ok{true};
    ReadinessProbe probe({flag_check("database", ok)}, kQuiet, {.interval = 2s, .max_age = 10s});
    probe.check_now();
    const auto now = ReadinessProbe::Clock::now();
    EXPECT_TRUE(probe.report(now + 9s).ready);
    const auto old = probe.report(now + 11s);
    EXPECT_FALSE(old.ready);
    ASSERT_EQ(old.dependencies.size(), 1u);
    EXPECT_EQ(old.dependencies[0].result, "unknown");
    EXPECT_GE(*old.checked_ms_ago, 11000);
}

TEST(ReadinessProbe, BackgroundChecksRepeatAndAHangingCheckDoesNotSlowTheAnswer) {
    std::atomic<int> kafka_checks{0};
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    ReadinessProbe probe(
        {{"database", [released] { released.wait(); }},  // hangs until the test ends
         {"kafka", [&kafka_checks] { ++kafka_checks; }}},
        kQuiet, {.interval = 20ms, .max_age = 10s});
    probe.start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (kafka_checks < 5 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    EXPECT_GE(kafka_checks, 5) << "the kafka check did not repeat while the database's hung";

    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i)
        readyz_json(probe, 503);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "1,000 calls of /readyz";
    const auto report = probe.report();
    EXPECT_EQ(report.dependencies[0].result, "unknown");
    EXPECT_EQ(report.dependencies[1].result, "ok");
    release.set_value();
    probe.stop();
}

TEST(ReadinessProbe, WithoutAProbeTheAnswerIsNotReady) {
    const ApiServices services;
    const auto response = readyz(services);
    EXPECT_EQ(response.status, 503);
    EXPECT_EQ(nlohmann::json::parse(response.body)["status"], "not ready");
}

}  // namespace
}  // namespace tripstream::api
