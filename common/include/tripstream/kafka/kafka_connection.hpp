// Where the brokers are and how a client talks to them: the librdkafka properties every
// producer, consumer and admin handle starts from (addresses, TLS, SASL).
#pragma once

#include <string>

#include "tripstream/config.hpp"
#include "tripstream/kafka/kafka_handle.hpp"

namespace tripstream::kafka {

struct KafkaConnection {
    // Plaintext, to brokers at `bootstrap_servers` (tests and tools on the local stack).
    explicit KafkaConnection(std::string bootstrap_servers)
        : bootstrap_servers(std::move(bootstrap_servers)) {}
    // What the configuration says. Implicit: a program's Kafka section is its connection.
    KafkaConnection(const KafkaConfig& config)  // NOLINT(google-explicit-constructor)
        : bootstrap_servers(config.bootstrap_servers), security(config.security) {}

    std::string bootstrap_servers;
    KafkaSecurity security;
};

// bootstrap.servers plus security.protocol, sasl.* and ssl.ca.location as the connection
// asks. Hostname verification stays on (librdkafka's default since 2.0): a certificate must
// name the broker it came from. Throws KafkaError naming the CA file when it cannot be read.
Properties connection_properties(const KafkaConnection& connection);

// Whether a librdkafka property holds a secret (a password, a key, a token), whose value must
// never be printed.
bool is_secret_property(const std::string& name);

}  // namespace tripstream::kafka
