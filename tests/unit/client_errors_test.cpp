#include "tripstream/kafka/client_errors.hpp"

#include <gtest/gtest.h>

namespace tripstream::kafka {
namespace {

KafkaConnection scram_connection() {
    KafkaConfig config;
    config.bootstrap_servers = "127.0.0.1:1";
    config.security = {"sasl_ssl", "SCRAM-SHA-512", "u", "p", ""};
    return config;
}

// The reports librdkafka makes: a handle only to print them with (nothing listens on port 1).
HandlePtr quiet_handle() {
    return make_handle(RD_KAFKA_PRODUCER,
                       make_conf({{"bootstrap.servers", "127.0.0.1:1"}, {"log_level", "0"}}));
}

TEST(ClientErrors, ALoginRefusalIsKeptWithItsReasonUntilForgotten) {
    const auto handle = quiet_handle();
    ClientErrors errors(KafkaConnection("127.0.0.1:1"));
    EXPECT_FALSE(errors.refused());
    EXPECT_FALSE(errors.refusal());
    errors.record(handle.get(), RD_KAFKA_RESP_ERR__AUTHENTICATION,
                  "SASL authentication error: Invalid username or password");
    ASSERT_TRUE(errors.refused());
    EXPECT_EQ(*errors.refusal(), "SASL authentication error: Invalid username or password");
    EXPECT_EQ(errors.latest(), "SASL authentication error: Invalid username or password");
    // A long-lived client judges each operation by what happens during it.
    errors.forget_refusal();
    EXPECT_FALSE(errors.refused());
    EXPECT_FALSE(errors.refusal());
    EXPECT_EQ(errors.latest(), "SASL authentication error: Invalid username or password");
}

TEST(ClientErrors, OtherErrorsAreNoRefusal) {
    const auto handle = quiet_handle();
    ClientErrors errors(KafkaConnection("127.0.0.1:1"));
    errors.record(handle.get(), RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down");
    errors.record(handle.get(), RD_KAFKA_RESP_ERR__TRANSPORT, nullptr);  // text from the code
    EXPECT_FALSE(errors.refused());
    EXPECT_EQ(errors.latest(), rd_kafka_err2str(RD_KAFKA_RESP_ERR__TRANSPORT));
    errors.record(handle.get(), RD_KAFKA_RESP_ERR__SSL, "SSL handshake failed");
    EXPECT_TRUE(errors.refused());
}

// The SCRAM note goes with refused logins on a librdkafka that has the bug, never with a
// certificate problem, and never for PLAIN.
TEST(ClientErrors, TheScramNoteFollowsTheLibraryVersion) {
    const auto handle = quiet_handle();
    const bool old_library = rd_kafka_version() < 0x020601ff;
    ClientErrors scram(scram_connection());
    scram.record(handle.get(), RD_KAFKA_RESP_ERR__AUTHENTICATION, "invalid credentials");
    EXPECT_EQ(scram.refusal()->find("Kafka 4.x brokers refuse") != std::string::npos, old_library);
    scram.forget_refusal();
    scram.record(handle.get(), RD_KAFKA_RESP_ERR__SSL, "certificate verify failed");
    EXPECT_EQ(*scram.refusal(), "certificate verify failed");

    KafkaConfig plain;
    plain.security = {"sasl_ssl", "PLAIN", "u", "p", ""};
    EXPECT_EQ(refusal_hint(plain), "");
    EXPECT_EQ(refusal_hint(KafkaConnection("127.0.0.1:1")), "");
    EXPECT_EQ(refusal_hint(scram_connection()).empty(), !old_library);
}

TEST(ClientErrors, RefusalsAreLoginsAndHandshakes) {
    EXPECT_TRUE(is_refusal(RD_KAFKA_RESP_ERR__AUTHENTICATION));
    EXPECT_TRUE(is_refusal(RD_KAFKA_RESP_ERR__SSL));
    EXPECT_FALSE(is_refusal(RD_KAFKA_RESP_ERR__TRANSPORT));
    EXPECT_FALSE(is_refusal(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN));
    EXPECT_FALSE(is_refusal(RD_KAFKA_RESP_ERR__TIMED_OUT));
}

}  // namespace
}  // namespace tripstream::kafka
