#include "tripstream/kafka/kafka_connection.hpp"

#include <gtest/gtest.h>

namespace tripstream::kafka {
namespace {

TEST(KafkaConnection, PlaintextSendsNoCredentials) {
    const Properties p = connection_properties(KafkaConnection("broker-1:9092,broker-2:9092"));
    EXPECT_EQ(p.at("bootstrap.servers"), "broker-1:9092,broker-2:9092");
    EXPECT_EQ(p.at("security.protocol"), "plaintext");
    EXPECT_EQ(p.count("sasl.mechanisms"), 0u);
    EXPECT_EQ(p.count("sasl.username"), 0u);
    EXPECT_EQ(p.count("sasl.password"), 0u);
    EXPECT_EQ(p.count("ssl.ca.location"), 0u);
}

TEST(KafkaConnection, SaslSslCarriesMechanismCredentialsAndCa) {
    KafkaConfig config;
    config.bootstrap_servers = "b:9094";
    config.security = {"sasl_ssl", "SCRAM-SHA-512", "ingest", "s3cret", "/dev/null"};
    const Properties p = connection_properties(config);
    EXPECT_EQ(p.at("security.protocol"), "sasl_ssl");
    EXPECT_EQ(p.at("sasl.mechanisms"), "SCRAM-SHA-512");
    EXPECT_EQ(p.at("sasl.username"), "ingest");
    EXPECT_EQ(p.at("sasl.password"), "s3cret");
    EXPECT_EQ(p.at("ssl.ca.location"), "/dev/null");
    // Hostname verification is librdkafka's default; nothing here may switch it off.
    EXPECT_EQ(p.count("ssl.endpoint.identification.algorithm"), 0u);
    EXPECT_EQ(p.count("enable.ssl.certificate.verification"), 0u);
}

// Every property is accepted by this librdkafka: a SASL_SSL configuration builds a handle.
TEST(KafkaConnection, SaslSslPropertiesMakeAClient) {
    KafkaConfig config;
    config.bootstrap_servers = "127.0.0.1:1";  // nothing listens: no traffic to a real broker
    config.security = {"sasl_ssl", "SCRAM-SHA-256", "u", "p", ""};
    EXPECT_NO_THROW(make_handle(RD_KAFKA_PRODUCER, make_conf(connection_properties(config))));
    config.security = {"sasl_plaintext", "PLAIN", "u", "p", ""};
    EXPECT_NO_THROW(make_handle(RD_KAFKA_PRODUCER, make_conf(connection_properties(config))));
}

TEST(KafkaConnection, MissingCaFileIsAClearError) {
    KafkaConfig config;
    config.bootstrap_servers = "127.0.0.1:1";
    config.security = {"ssl", "", "", "", "/nonexistent/ca.pem"};
    try {
        make_handle(RD_KAFKA_PRODUCER, make_conf(connection_properties(config)));
        FAIL() << "a client with a missing CA file was created";
    } catch (const KafkaError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("kafka.ssl_ca_location /nonexistent/ca.pem"), std::string::npos)
            << what;
        EXPECT_NE(what.find("No such file"), std::string::npos) << what;
    }
}

TEST(KafkaConnection, SecretPropertyValuesAreNeverInErrors) {
    for (const std::string name :
         {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem",
          "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config"}) {
        EXPECT_TRUE(is_secret_property(name)) << name;
    }
    for (const std::string name : {"bootstrap.servers", "sasl.username", "ssl.ca.location"})
        EXPECT_FALSE(is_secret_property(name)) << name;
    // A property librdkafka refuses: the error names it but does not show a secret's value.
    try {
        make_conf({{"no.such.password", "hunter2-secret"}});
        FAIL() << "an unknown property was accepted";
    } catch (const KafkaError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("no.such.password"), std::string::npos) << what;
        EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
    }
}

}  // namespace
}  // namespace tripstream::kafka
