#include "tripstream/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

namespace tripstream {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::string error_of(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    try {
        parse_config(yaml, "test.yml", env_of(std::move(env)));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(Config, DefaultsWithoutFileOrEnvironment) {
    const Config c = parse_config("", "defaults", env_of({}));
    EXPECT_EQ(c.kafka.bootstrap_servers, "127.0.0.1:9092");
    EXPECT_EQ(c.kafka.topic, "trips");
    EXPECT_EQ(c.kafka.partitions, 12);
    EXPECT_EQ(c.consumer.batch_size, 200000);
    EXPECT_EQ(c.producer.num_messages, 0u);
    EXPECT_EQ(c.api.http_port, 8080);
    EXPECT_EQ(c.log_level, LogLevel::info);
}

TEST(Config, FileValuesReplaceDefaults) {
    const Config c = parse_config(
        "kafka:\n  topic: rides\n  partitions: 3\nconsumer:\n  batch_size: 777\n"
        "api:\n  http_port: 9000\n  api_key: secret\nlog:\n  level: debug\n",
        "test.yml", env_of({}));
    EXPECT_EQ(c.kafka.topic, "rides");
    EXPECT_EQ(c.kafka.partitions, 3);
    EXPECT_EQ(c.consumer.batch_size, 777);
    EXPECT_EQ(c.api.http_port, 9000);
    EXPECT_EQ(c.api.api_key, "secret");
    EXPECT_EQ(c.log_level, LogLevel::debug);
    EXPECT_EQ(c.kafka.bootstrap_servers, "127.0.0.1:9092");  // untouched key keeps default
}

TEST(Config, EnvironmentOverridesFile) {
    const Config c =
        parse_config("kafka:\n  topic: from-file\nconsumer:\n  batch_size: 10\n", "test.yml",
                     env_of({{"TOPIC", "from-env"},
                             {"BATCH_SIZE", "20"},
                             {"NUM_MESSAGES", "1000000"},
                             {"DATABASE_URL", "postgresql://x@h:1/db"},
                             {"KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092"},
                             {"API_KEY", "k"},
                             {"HTTP_PORT", "8181"}}));
    EXPECT_EQ(c.kafka.topic, "from-env");
    EXPECT_EQ(c.consumer.batch_size, 20);
    EXPECT_EQ(c.producer.num_messages, 1000000u);
    EXPECT_EQ(c.database.url, "postgresql://x@h:1/db");
    EXPECT_EQ(c.kafka.bootstrap_servers, "k1:9092,k2:9092");
    EXPECT_EQ(c.api.api_key, "k");
    EXPECT_EQ(c.api.http_port, 8181);
}

TEST(Config, BadIntegerNamesTheKey) {
    const std::string e = error_of("consumer:\n  batch_size: lots\n");
    EXPECT_NE(e.find("consumer.batch_size"), std::string::npos) << e;
    EXPECT_NE(e.find("lots"), std::string::npos) << e;
}

TEST(Config, OutOfRangeValueIsRejected) {
    EXPECT_NE(error_of("api:\n  http_port: 70000\n").find("api.http_port"), std::string::npos);
    EXPECT_NE(error_of("consumer:\n  batch_size: 0\n").find("consumer.batch_size"),
              std::string::npos);
    EXPECT_NE(error_of("consumer:\n  batch_size: -5\n").find("consumer.batch_size"),
              std::string::npos);
}

TEST(Config, BadEnvironmentValueNamesKeyAndVariable) {
    const std::string e = error_of("", {{"NUM_MESSAGES", "12abc"}});
    EXPECT_NE(e.find("producer.num_messages"), std::string::npos) << e;
    EXPECT_NE(e.find("NUM_MESSAGES"), std::string::npos) << e;
}

TEST(Config, UnknownKeyIsRejected) {
    const std::string e = error_of("kafka:\n  topik: trips\n");
    EXPECT_NE(e.find("unknown config key 'kafka.topik'"), std::string::npos) << e;
}

TEST(Config, EmptyRequiredStringIsRejected) {
    EXPECT_NE(error_of("kafka:\n  topic: \"\"\n").find("kafka.topic"), std::string::npos);
}

TEST(Config, BadLogLevelIsRejected) {
    EXPECT_NE(error_of("log:\n  level: loud\n").find("log.level"), std::string::npos);
}

// The tile URL goes into the dashboard's Content-Security-Policy: nothing that could end a
// directive or add a source gets through.
TEST(Config, MapTileUrlMustBeAPlainHttpTemplate) {
    const std::string good = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png";
    EXPECT_EQ(parse_config("", "env", env_of({{"MAP_TILE_URL", good}})).api.map_tile_url, good);
    EXPECT_EQ(parse_config("", "env", env_of({})).api.map_tile_url, "");
    for (const std::string bad :
         {"ftp://tiles/{z}", "tiles.example.org/{z}", "https://a.org/{z}; script-src *",
          "https://a.org/{z} https://evil.org", "https://a.org/'unsafe-inline'",
          "https://a.org/{z},x", "https://a.org/\"x\"", "javascript:alert(1)"}) {
        const std::string e = error_of("", {{"MAP_TILE_URL", bad}});
        EXPECT_NE(e.find("api.map_tile_url"), std::string::npos) << bad << ": " << e;
        EXPECT_NE(e.find("MAP_TILE_URL"), std::string::npos) << bad << ": " << e;
    }
}

TEST(Config, KafkaSecurityFromFileAndEnvironment) {
    const Config c = parse_config(
        "kafka:\n  security_protocol: SASL_SSL\n  sasl_mechanism: SCRAM-SHA-512\n"
        "  sasl_username: ingest\n  ssl_ca_location: /etc/kafka/ca.pem\n",
        "test.yml", env_of({{"KAFKA_SASL_PASSWORD", "s3cret"}}));
    EXPECT_EQ(c.kafka.security.protocol, "sasl_ssl");  // librdkafka's spelling, any case given
    EXPECT_EQ(c.kafka.security.sasl_mechanism, "SCRAM-SHA-512");
    EXPECT_EQ(c.kafka.security.sasl_username, "ingest");
    EXPECT_EQ(c.kafka.security.sasl_password, "s3cret");
    EXPECT_EQ(c.kafka.security.ssl_ca_location, "/etc/kafka/ca.pem");
    EXPECT_TRUE(c.kafka.security.uses_sasl());
    EXPECT_TRUE(c.kafka.security.uses_tls());
    const Config plain = parse_config("", "defaults", env_of({}));
    EXPECT_EQ(plain.kafka.security.protocol, "plaintext");
    EXPECT_FALSE(plain.kafka.security.uses_sasl());
    EXPECT_FALSE(plain.kafka.security.uses_tls());
}

TEST(Config, KafkaSecurityRejectsWhatCannotWork) {
    const std::map<std::string, std::string> sasl = {{"KAFKA_SECURITY_PROTOCOL", "sasl_ssl"},
                                                     {"KAFKA_SASL_MECHANISM", "PLAIN"},
                                                     {"KAFKA_SASL_USERNAME", "u"},
                                                     {"KAFKA_SASL_PASSWORD", "p"}};
    EXPECT_EQ(error_of("", sasl), "no error");
    const auto without = [&](const std::string& var) {
        auto env = sasl;
        env.erase(var);
        return error_of("", env);
    };
    EXPECT_NE(without("KAFKA_SASL_MECHANISM").find("'kafka.sasl_mechanism' is needed"),
              std::string::npos);
    EXPECT_NE(without("KAFKA_SASL_USERNAME").find("'kafka.sasl_username' is needed"),
              std::string::npos);
    EXPECT_NE(without("KAFKA_SASL_PASSWORD").find("'kafka.sasl_password' is needed"),
              std::string::npos);
    // Credentials the protocol would not send: the protocol is not what was meant.
    EXPECT_NE(without("KAFKA_SECURITY_PROTOCOL").find("does not use them"), std::string::npos);
    EXPECT_NE(error_of("", {{"KAFKA_SSL_CA_LOCATION", "/ca.pem"}}).find("kafka.ssl_ca_location"),
              std::string::npos);
    const std::string protocol = error_of("", {{"KAFKA_SECURITY_PROTOCOL", "tls"}});
    EXPECT_NE(protocol.find("kafka.security_protocol"), std::string::npos) << protocol;
    EXPECT_NE(protocol.find("KAFKA_SECURITY_PROTOCOL"), std::string::npos) << protocol;
    auto gssapi = sasl;
    gssapi["KAFKA_SASL_MECHANISM"] = "GSSAPI";
    EXPECT_NE(error_of("", gssapi).find("kafka.sasl_mechanism"), std::string::npos);
}

TEST(Config, KafkaSecurityEmptyProtocolIsPlaintextAndMechanismTakesAnyCase) {
    EXPECT_EQ(parse_config("kafka:\n  security_protocol:\n", "test.yml", env_of({}))
                  .kafka.security.protocol,
              "plaintext");
    const Config c = parse_config("", "env",
                                  env_of({{"KAFKA_SECURITY_PROTOCOL", "sasl_plaintext"},
                                          {"KAFKA_SASL_MECHANISM", "scram-sha-512"},
                                          {"KAFKA_SASL_USERNAME", "u"},
                                          {"KAFKA_SASL_PASSWORD", "p"}}));
    EXPECT_EQ(c.kafka.security.sasl_mechanism, "SCRAM-SHA-512");  // librdkafka's spelling
}

// A rejected configuration is printed: the password must not be in it.
TEST(Config, KafkaPasswordIsNotInAnyError) {
    const std::string e = error_of("", {{"KAFKA_SASL_PASSWORD", "hunter2-secret"}});
    EXPECT_NE(e.find("kafka.sasl_"), std::string::npos) << e;
    EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
}

TEST(Config, MalformedYamlIsRejected) {
    EXPECT_NE(error_of("kafka: [unclosed\n").find("not valid YAML"), std::string::npos);
}

TEST(Config, ShippedConfigFileParsesAndDocumentsEveryKey) {
    std::ifstream in(std::string(TRIPSTREAM_SOURCE_DIR) + "/config.yml");
    ASSERT_TRUE(in) << "config.yml missing";
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(parse_config(text, "config.yml", env_of({})));
    std::set<std::string> envs;
    for (const auto& key : config_keys()) {
        EXPECT_NE(text.find(key.env), std::string::npos) << key.env << " not documented";
        EXPECT_TRUE(envs.insert(key.env).second) << key.env << " used twice";
    }
}

}  // namespace
}  // namespace tripstream
