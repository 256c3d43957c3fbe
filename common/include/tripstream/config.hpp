// Configuration: one YAML file plus environment overrides.
//
// Precedence (lowest to highest): built-in defaults, the YAML file, the environment.
// Every key has exactly one environment variable; see config.yml for the list.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tripstream {

// A configuration problem; what() is one line that names the offending key.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class LogLevel { debug, info, warn, error };

// How clients prove who they are to the brokers and check who the brokers are: TLS and SASL,
// as managed Kafka services require (kafka/kafka_connection.hpp turns it into librdkafka's
// properties).
struct KafkaSecurity {
    std::string protocol = "plaintext";  // plaintext, ssl, sasl_plaintext or sasl_ssl
    std::string sasl_mechanism;          // PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (sasl_* only)
    std::string sasl_username;
    std::string sasl_password;    // a secret: never printed
    std::string ssl_ca_location;  // PEM file of the CAs to trust; empty = the system's CAs

    bool uses_sasl() const { return protocol.rfind("sasl_", 0) == 0; }
    bool uses_tls() const { return protocol == "ssl" || protocol == "sasl_ssl"; }
};

struct KafkaConfig {
    std::string bootstrap_servers = "127.0.0.1:9092";
    KafkaSecurity security;
    std::string topic = "trips";
    std::string dead_letter_topic = "trips.dlq";
    std::string jobs_topic = "tripstream.jobs";
    int partitions = 12;
};

struct DatabaseConfig {
    std::string url = "postgresql://tripstream@127.0.0.1:5433/tripstream";
};

struct ProducerConfig {
    std::uint64_t num_messages = 0;  // 0 = send the input once
    std::uint64_t rate_limit = 0;    // rows per second, 0 = unlimited
};

struct ConsumerConfig {
    std::string group_id = "tripstream-consumer";
    int batch_size = 200000;
    int batch_max_wait_ms = 1000;
    std::string model_path;  // k-means model file; empty = store trips without clusters
};

struct ApiConfig {
    std::string http_address = "0.0.0.0";
    int http_port = 8080;
    std::string api_key;
    std::uint64_t upload_max_bytes = 1ull << 30;  // POST /v1/ingestions body limit
    int db_pool_size = 8;                         // database connections for requests
    std::string swagger_ui_dir;  // swagger-ui-dist files for /docs; empty = the source tree's
    std::string web_dir;         // the dashboard's built files for /; empty = the source tree's
    // The dashboard map's online tile layer: a Leaflet URL template ("https://{s}.tile.../
    // {z}/{x}/{y}.png"); empty = none, the map draws its offline base layer only.
    std::string map_tile_url;
    std::string map_tile_attribution;  // shown on the map with the tiles (their licence)
    // Weekly averages: "index" (in-memory, the database answers until it is loaded) or
    // "database" (always the database engine; no memory for trips).
    std::string query_engine = "index";

    // The HTTP server (api/src/http): threads, limits and deadlines.
    int http_threads = 0;    // event-loop threads; 0 = one per core
    int worker_threads = 0;  // threads that run queries; 0 = one per core
    int max_connections = 16384;
    int max_connections_per_address = 8192;
    int header_timeout_ms = 10'000;      // the whole request head (408 beyond)
    int keep_alive_timeout_ms = 60'000;  // an idle keep-alive connection is closed after this
    int body_idle_timeout_ms = 30'000;   // no request body bytes for this long: 408
    int body_min_rate = 1024;            // bytes/s a request body must average (408 below)
    int write_timeout_ms = 30'000;       // a client that takes no response bytes for this long
    int max_concurrent_uploads = 4;      // POST /v1/ingestions in progress (429 beyond)
    int statement_timeout_ms = 10'000;   // every database statement a request runs

    // The in-memory index's files (query/exact_ends.hpp, query/trip_index_file.hpp): its
    // trees' exact coordinates and its saved copy for fast restarts. Empty: all in memory,
    // nothing saved.
    std::string index_dir;
    int index_save_interval_s = 300;  // save the index at most this often (when it changed)
};

struct Config {
    KafkaConfig kafka;
    DatabaseConfig database;
    ProducerConfig producer;
    ConsumerConfig consumer;
    ApiConfig api;
    LogLevel log_level = LogLevel::info;
};

// One configuration key: its dotted YAML path and the environment variable that overrides it.
struct ConfigKey {
    std::string path;
    std::string env;
};

// Every key the configuration understands, in config.yml order.
std::vector<ConfigKey> config_keys();

// Reads an environment variable; injectable so tests do not touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Applies the YAML document `yaml_text` (may be empty) and then the environment.
// `source` names the document in error messages. Throws ConfigError.
Config parse_config(const std::string& yaml_text, const std::string& source, const EnvLookup& env);

// Loads `path` (or, when empty, $TRIPSTREAM_CONFIG, then ./config.yml if it exists, else
// defaults only) and applies the process environment. Throws ConfigError.
Config load_config(const std::string& path = {});

}  // namespace tripstream
