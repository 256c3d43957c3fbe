#include "tripstream/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string_view>

namespace tripstream {
namespace {

using Setter = std::function<void(Config&, const std::string&)>;

struct Binding {
    ConfigKey key;
    Setter set;
};

[[noreturn]] void bad_value(const std::string& key, const std::string& value,
                            const std::string& expected) {
    throw ConfigError("config key '" + key + "': invalid value '" + value + "' (expected " +
                      expected + ")");
}

template <typename Int>
Int parse_integer(const std::string& key, const std::string& value, Int min, Int max) {
    Int out{};
    const auto* end = value.data() + value.size();
    auto [ptr, ec] = std::from_chars(value.data(), end, out);
    if (ec != std::errc{} || ptr != end || out < min || out > max) {
        bad_value(key, value,
                  "an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return out;
}

template <typename Section, typename Int>
Setter integer(Section Config::*section, Int Section::*field, const std::string& key, Int min,
               Int max) {
    return [=](Config& c, const std::string& v) {
        c.*section.*field = parse_integer<Int>(key, v, min, max);
    };
}

template <typename Section>
Setter text(Section Config::*section, std::string Section::*field, const std::string& key,
            bool allow_empty) {
    return [=](Config& c, const std::string& v) {
        if (!allow_empty && v.empty()) bad_value(key, v, "a non-empty string");
        c.*section.*field = v;
    };
}

constexpr std::array<std::string_view, 4> kSecurityProtocols = {"plaintext", "ssl",
                                                                "sasl_plaintext", "sasl_ssl"};
// GSSAPI (Kerberos) and OAUTHBEARER need more than a user and a password: not offered.
constexpr std::array<std::string_view, 3> kSaslMechanisms = {"PLAIN", "SCRAM-SHA-256",
                                                             "SCRAM-SHA-512"};

std::string lowercase(std::string s) {
    for (auto& ch : s)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

std::string uppercase(std::string s) {
    for (auto& ch : s)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

bool one_of(std::string_view value, std::span<const std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// Settings that only make sense together, checked once every source has been applied (the
// protocol may come from the environment and the credentials from the file). A credential
// the protocol would not use is an error too: it means the protocol is not what was meant.
void check_kafka_security(const KafkaSecurity& s) {
    if (s.uses_sasl()) {
        if (s.sasl_mechanism.empty())
            throw ConfigError(
                "config key 'kafka.sasl_mechanism' is needed with security_protocol " + s.protocol +
                " (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
        if (s.sasl_username.empty())
            throw ConfigError("config key 'kafka.sasl_username' is needed with security_protocol " +
                              s.protocol);
        if (s.sasl_password.empty())
            throw ConfigError("config key 'kafka.sasl_password' is needed with security_protocol " +
                              s.protocol + " (environment variable KAFKA_SASL_PASSWORD)");
    } else if (!s.sasl_mechanism.empty() || !s.sasl_username.empty() || !s.sasl_password.empty()) {
        throw ConfigError("config keys 'kafka.sasl_*' are set but kafka.security_protocol is " +
                          s.protocol + ", which does not use them (sasl_ssl or sasl_plaintext?)");
    }
    if (!s.uses_tls() && !s.ssl_ca_location.empty()) {
        throw ConfigError(
            "config key 'kafka.ssl_ca_location' is set but kafka.security_protocol "
            "is " +
            s.protocol + ", which does not use TLS (ssl or sasl_ssl?)");
    }
}

LogLevel parse_log_level(const std::string& v) {
    if (v == "debug") return LogLevel::debug;
    if (v == "info") return LogLevel::info;
    if (v == "warn") return LogLevel::warn;
    if (v == "error") return LogLevel::error;
    bad_value("log.level", v, "debug, info, warn or error");
}

std::vector<Binding> bindings() {
    using C = Config;
    return {
        {{"kafka.bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS"},
         text(&C::kafka, &KafkaConfig::bootstrap_servers, "kafka.bootstrap_servers", false)},
        {{"kafka.security_protocol", "KAFKA_SECURITY_PROTOCOL"},
         [](Config& c, const std::string& v) {
             c.kafka.security.protocol = v.empty() ? "plaintext" : lowercase(v);
             if (!one_of(c.kafka.security.protocol, kSecurityProtocols))
                 bad_value("kafka.security_protocol", v,
                           "plaintext, ssl, sasl_plaintext or sasl_ssl");
         }},
        {{"kafka.sasl_mechanism", "KAFKA_SASL_MECHANISM"},
         [](Config& c, const std::string& v) {
             // librdkafka compares mechanisms case-sensitively: take any case, pass its own.
             const std::string mechanism = uppercase(v);
             if (!mechanism.empty() && !one_of(mechanism, kSaslMechanisms))
                 bad_value("kafka.sasl_mechanism", v, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
             c.kafka.security.sasl_mechanism = mechanism;
         }},
        {{"kafka.sasl_username", "KAFKA_SASL_USERNAME"},
         [](Config& c, const std::string& v) { c.kafka.security.sasl_username = v; }},
        {{"kafka.sasl_password", "KAFKA_SASL_PASSWORD"},
         [](Config& c, const std::string& v) { c.kafka.security.sasl_password = v; }},
        {{"kafka.ssl_ca_location", "KAFKA_SSL_CA_LOCATION"},
         [](Config& c, const std::string& v) { c.kafka.security.ssl_ca_location = v; }},
        {{"kafka.topic", "TOPIC"}, text(&C::kafka, &KafkaConfig::topic, "kafka.topic", false)},
        {{"kafka.dead_letter_topic", "DEAD_LETTER_TOPIC"},
         text(&C::kafka, &KafkaConfig::dead_letter_topic, "kafka.dead_letter_topic", false)},
        {{"kafka.jobs_topic", "JOBS_TOPIC"},
         text(&C::kafka, &KafkaConfig::jobs_topic, "kafka.jobs_topic", false)},
        {{"kafka.partitions", "TOPIC_PARTITIONS"},
         integer(&C::kafka, &KafkaConfig::partitions, "kafka.partitions", 1, 1000)},
        {{"database.url", "DATABASE_URL"},
         text(&C::database, &DatabaseConfig::url, "database.url", false)},
        {{"producer.num_messages", "NUM_MESSAGES"},
         integer<ProducerConfig, std::uint64_t>(&C::producer, &ProducerConfig::num_messages,
                                                "producer.num_messages", 0, 1'000'000'000'000)},
        {{"producer.rate_limit", "PRODUCER_RATE_LIMIT"},
         integer<ProducerConfig, std::uint64_t>(&C::producer, &ProducerConfig::rate_limit,
                                                "producer.rate_limit", 0, 100'000'000)},
        {{"consumer.group_id", "CONSUMER_GROUP"},
         text(&C::consumer, &ConsumerConfig::group_id, "consumer.group_id", false)},
        {{"consumer.batch_size", "BATCH_SIZE"},
         integer(&C::consumer, &ConsumerConfig::batch_size, "consumer.batch_size", 1, 1'000'000)},
        {{"consumer.batch_max_wait_ms", "BATCH_MAX_WAIT_MS"},
         integer(&C::consumer, &ConsumerConfig::batch_max_wait_ms, "consumer.batch_max_wait_ms", 1,
                 600'000)},
        {{"consumer.model_path", "MODEL_PATH"},
         text(&C::consumer, &ConsumerConfig::model_path, "consumer.model_path", true)},
        {{"api.http_address", "HTTP_ADDRESS"},
         text(&C::api, &ApiConfig::http_address, "api.http_address", false)},
        {{"api.http_port", "HTTP_PORT"},
         integer(&C::api, &ApiConfig::http_port, "api.http_port", 1, 65535)},
        {{"api.api_key", "API_KEY"}, text(&C::api, &ApiConfig::api_key, "api.api_key", true)},
        {{"api.upload_max_bytes", "UPLOAD_MAX_BYTES"},
         integer<ApiConfig, std::uint64_t>(&C::api, &ApiConfig::upload_max_bytes,
                                           "api.upload_max_bytes", 1, 1ull << 40)},
        {{"api.db_pool_size", "DB_POOL_SIZE"},
         integer(&C::api, &ApiConfig::db_pool_size, "api.db_pool_size", 1, 256)},
        {{"api.swagger_ui_dir", "SWAGGER_UI_DIR"},
         text(&C::api, &ApiConfig::swagger_ui_dir, "api.swagger_ui_dir", true)},
        {{"api.web_dir", "WEB_DIR"}, text(&C::api, &ApiConfig::web_dir, "api.web_dir", true)},
        {{"api.map_tile_url", "MAP_TILE_URL"},
         [](Config& c, const std::string& v) {
             // It goes into the dashboard's Content-Security-Policy: nothing that could end
             // or extend a directive.
             const bool http = v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0;
             if (!v.empty() && (!http || v.find_first_of(" \t\r\n;,'\"\\") != std::string::npos))
                 bad_value("api.map_tile_url", v,
                           "empty, or an http(s) URL template without spaces, quotes, commas "
                           "or semicolons");
             c.api.map_tile_url = v;
         }},
        {{"api.map_tile_attribution", "MAP_TILE_ATTRIBUTION"},
         text(&C::api, &ApiConfig::map_tile_attribution, "api.map_tile_attribution", true)},
        {{"api.query_engine", "QUERY_ENGINE"},
         [](Config& c, const std::string& v) {
             if (v != "index" && v != "database")
                 bad_value("api.query_engine", v, "index or database");
             c.api.query_engine = v;
         }},
        {{"api.index_dir", "INDEX_DIR"},
         text(&C::api, &ApiConfig::index_dir, "api.index_dir", true)},
        {{"api.index_save_interval_s", "INDEX_SAVE_INTERVAL_S"},
         integer(&C::api, &ApiConfig::index_save_interval_s, "api.index_save_interval_s", 10,
                 86'400)},
        {{"api.http_threads", "HTTP_THREADS"},
         integer(&C::api, &ApiConfig::http_threads, "api.http_threads", 0, 256)},
        {{"api.worker_threads", "WORKER_THREADS"},
         integer(&C::api, &ApiConfig::worker_threads, "api.worker_threads", 0, 256)},
        {{"api.max_connections", "MAX_CONNECTIONS"},
         integer(&C::api, &ApiConfig::max_connections, "api.max_connections", 1, 1'000'000)},
        {{"api.max_connections_per_address", "MAX_CONNECTIONS_PER_ADDRESS"},
         integer(&C::api, &ApiConfig::max_connections_per_address,
                 "api.max_connections_per_address", 1, 1'000'000)},
        {{"api.header_timeout_ms", "HEADER_TIMEOUT_MS"},
         integer(&C::api, &ApiConfig::header_timeout_ms, "api.header_timeout_ms", 100, 3'600'000)},
        {{"api.keep_alive_timeout_ms", "KEEP_ALIVE_TIMEOUT_MS"},
         integer(&C::api, &ApiConfig::keep_alive_timeout_ms, "api.keep_alive_timeout_ms", 100,
                 3'600'000)},
        {{"api.body_idle_timeout_ms", "BODY_IDLE_TIMEOUT_MS"},
         integer(&C::api, &ApiConfig::body_idle_timeout_ms, "api.body_idle_timeout_ms", 100,
                 3'600'000)},
        {{"api.body_min_rate", "BODY_MIN_RATE"},
         integer(&C::api, &ApiConfig::body_min_rate, "api.body_min_rate", 0, 1'000'000'000)},
        {{"api.write_timeout_ms", "WRITE_TIMEOUT_MS"},
         integer(&C::api, &ApiConfig::write_timeout_ms, "api.write_timeout_ms", 100, 3'600'000)},
        {{"api.max_concurrent_uploads", "MAX_CONCURRENT_UPLOADS"},
         integer(&C::api, &ApiConfig::max_concurrent_uploads, "api.max_concurrent_uploads", 1,
                 1024)},
        {{"api.statement_timeout_ms", "STATEMENT_TIMEOUT_MS"},
         integer(&C::api, &ApiConfig::statement_timeout_ms, "api.statement_timeout_ms", 0,
                 3'600'000)},
        {{"log.level", "LOG_LEVEL"},
         [](Config& c, const std::string& v) { c.log_level = parse_log_level(v); }},
    };
}

const Binding* find_binding(const std::vector<Binding>& all, const std::string& path) {
    for (const auto& b : all) {
        if (b.key.path == path) return &b;
    }
    return nullptr;
}

// Walks the YAML mapping, applying every scalar leaf; unknown keys are errors so that a
// typo never silently leaves a default in place.
void apply_yaml(const YAML::Node& node, const std::string& prefix, const std::vector<Binding>& all,
                Config& config, const std::string& source) {
    if (!node.IsMap()) {
        throw ConfigError(source + ": '" + (prefix.empty() ? "<root>" : prefix) +
                          "' must be a mapping");
    }
    for (const auto& item : node) {
        const std::string name = item.first.as<std::string>();
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        const YAML::Node& value = item.second;
        if (value.IsMap()) {
            apply_yaml(value, path, all, config, source);
            continue;
        }
        const Binding* binding = find_binding(all, path);
        if (binding == nullptr) throw ConfigError(source + ": unknown config key '" + path + "'");
        if (!value.IsScalar() && !value.IsNull()) {
            throw ConfigError(source + ": config key '" + path + "' must be a single value");
        }
        binding->set(config, value.IsNull() ? std::string{} : value.Scalar());
    }
}

}  // namespace

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> keys;
    for (const auto& b : bindings())
        keys.push_back(b.key);
    return keys;
}

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

Config parse_config(const std::string& yaml_text, const std::string& source, const EnvLookup& env) {
    Config config;
    const auto all = bindings();
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(source + ": not valid YAML: " + e.what());
    }
    if (root.IsDefined() && !root.IsNull()) apply_yaml(root, "", all, config, source);
    for (const auto& b : all) {
        if (auto value = env(b.key.env)) {
            try {
                b.set(config, *value);
            } catch (const ConfigError& e) {
                throw ConfigError(std::string(e.what()) + " from environment variable " +
                                  b.key.env);
            }
        }
    }
    check_kafka_security(config.kafka.security);
    return config;
}

Config load_config(const std::string& path) {
    const EnvLookup env = process_env();
    std::string file = path;
    if (file.empty()) file = env("TRIPSTREAM_CONFIG").value_or("");
    if (file.empty() && std::filesystem::exists("config.yml")) file = "config.yml";
    if (file.empty()) return parse_config("", "defaults", env);
    std::ifstream in(file);
    if (!in) throw ConfigError("cannot read config file '" + file + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), file, env);
}

}  // namespace tripstream
