#include "tripstream/kafka/kafka_connection.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace tripstream::kafka {

namespace {

// librdkafka's own report of an unreadable CA file names neither the file nor the reason
// ("ssl.ca.location failed: error:05880002:x509 certificate routines::system lib").
void check_readable(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        throw KafkaError("kafka.ssl_ca_location " + path + ": cannot read it (" +
                         std::strerror(errno) + ")");
    }
}

}  // namespace

Properties connection_properties(const KafkaConnection& connection) {
    const KafkaSecurity& s = connection.security;
    Properties p = {{"bootstrap.servers", connection.bootstrap_servers},
                    {"security.protocol", s.protocol}};
    if (s.uses_sasl()) {
        p["sasl.mechanisms"] = s.sasl_mechanism;
        p["sasl.username"] = s.sasl_username;
        p["sasl.password"] = s.sasl_password;
    }
    if (!s.ssl_ca_location.empty()) {
        check_readable(s.ssl_ca_location);
        p["ssl.ca.location"] = s.ssl_ca_location;
    }
    return p;
}

bool is_secret_property(const std::string& name) {
    // librdkafka's secrets: sasl.password, ssl.key.password, ssl.keystore.password,
    // ssl.key.pem, sasl.oauthbearer.client.secret, sasl.oauthbearer.config.
    for (const char* word : {"password", "secret", ".pem", "oauthbearer.config"}) {
        if (name.find(word) != std::string::npos) return true;
    }
    return false;
}

}  // namespace tripstream::kafka
