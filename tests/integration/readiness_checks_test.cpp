// The checks behind /readyz against the real stack: both pass on the stack's PostgreSQL and
// Kafka; a database or broker that does not answer fails its check within a few seconds (so a
// probe thread never hangs long) and the answer names it with a fixed word, never with the
// error's text, which here holds a host, a user and a password.
#include "tripstream/api/readiness_checks.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "support/test_env.hpp"
#include "tripstream/api/health_handlers.hpp"

namespace tripstream::api {
namespace {

using namespace std::chrono_literals;

const Logger kQuiet("readiness-test", LogLevel::error);

nlohmann::json answer(const ReadinessProbe& probe, int status) {
    ApiServices services;
    services.readiness = &probe;
    const auto response = readyz(services);
    EXPECT_EQ(response.status, status) << response.body;
    return nlohmann::json::parse(response.body);
}

TEST(ReadinessChecks, PassAgainstTheStack) {
    ReadinessProbe probe(readiness_dependencies(test::stack_config()), kQuiet, {});
    probe.check_now();
    const auto body = answer(probe, 200);
    EXPECT_EQ(body["database"], "ok");
    EXPECT_EQ(body["kafka"], "ok");
}

TEST(ReadinessChecks, UnreachableDependenciesFailFastWithoutTheirDetails) {
    Config config = test::stack_config();
    // Nothing listens on port 1 of the loopback: refused at once, as a dead host would time out.
    config.database.url = "postgresql://secret_user:hunter2@127.0.0.1:1/secret_db";
    config.kafka.bootstrap_servers = "127.0.0.1:1";
    ReadinessProbe probe(readiness_dependencies(config), kQuiet, {});
    const auto started = std::chrono::steady_clock::now();
    probe.check_now();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 6s);
    const auto body = answer(probe, 503);
    EXPECT_EQ(body["database"], "unavailable");
    EXPECT_EQ(body["kafka"], "unavailable");
    for (const char* secret : {"secret_user", "hunter2", "secret_db", "127.0.0.1"})
        EXPECT_EQ(body.dump().find(secret), std::string::npos) << secret;
}

}  // namespace
}  // namespace tripstream::api
