#include "tripstream/kafka/client_errors.hpp"

namespace tripstream::kafka {

ClientErrors::ClientErrors(const KafkaConnection& connection) : hint_(refusal_hint(connection)) {}

void ClientErrors::watch(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_error_cb(conf,
                               [](rd_kafka_t* rk, int code, const char* reason, void* opaque) {
                                   static_cast<ClientErrors*>(opaque)->record(
                                       rk, static_cast<rd_kafka_resp_err_t>(code), reason);
                               });
}

std::optional<std::string> ClientErrors::refusal() const {
    std::lock_guard lock(mutex_);
    if (refusal_.empty()) return std::nullopt;
    return refusal_;
}

void ClientErrors::forget_refusal() {
    std::lock_guard lock(mutex_);
    refusal_.clear();
    refused_.store(false, std::memory_order_relaxed);
}

std::string ClientErrors::latest() const {
    constexpr auto kRecent = std::chrono::minutes(1);
    std::lock_guard lock(mutex_);
    if (latest_.empty() || std::chrono::steady_clock::now() - latest_at_ > kRecent) return "";
    return latest_;
}

void ClientErrors::record(rd_kafka_t* handle, rd_kafka_resp_err_t code,
                          const char* reason) noexcept {
    const char* text = reason != nullptr ? reason : rd_kafka_err2str(code);
    constexpr int kLogError = 3;  // syslog's LOG_ERR, as librdkafka logs these
    rd_kafka_log_print(handle, kLogError, "ERROR", text);
    // Called from librdkafka's C code: nothing may throw out of here (the copies allocate).
    try {
        std::lock_guard lock(mutex_);
        if (is_refusal(code)) {
            // The SCRAM note is about logins, not about certificates.
            refusal_ = code == RD_KAFKA_RESP_ERR__AUTHENTICATION ? text + hint_ : text;
            refused_.store(true, std::memory_order_relaxed);
        }
        latest_ = text;
        latest_at_ = std::chrono::steady_clock::now();
    } catch (...) {
    }
}

bool is_refusal(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__AUTHENTICATION || code == RD_KAFKA_RESP_ERR__SSL;
}

std::string refusal_hint(const KafkaConnection& connection) {
    constexpr int kFixedScramVersion = 0x020601ff;  // librdkafka 2.6.1
    if (connection.security.uses_sasl() &&
        connection.security.sasl_mechanism.rfind("SCRAM-", 0) == 0 &&
        rd_kafka_version() < kFixedScramVersion) {
        return std::string(" (if the password is right: librdkafka ") + rd_kafka_version_str() +
               " sends a SCRAM message that Kafka 4.x brokers refuse; librdkafka 2.6.1 fixed it."
               " Use PLAIN, a newer librdkafka, or a broker older than 4.0)";
    }
    return "";
}

}  // namespace tripstream::kafka
