// What librdkafka reported about a client's broker connections. librdkafka retries a refused
// login or a failed TLS handshake by itself, so the request that needed the connection only
// times out ("no answer"); this keeps the reason to give instead.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "tripstream/kafka/kafka_connection.hpp"

namespace tripstream::kafka {

class ClientErrors {
  public:
    explicit ClientErrors(const KafkaConnection& connection);

    // Sends `conf`'s error reports here (its opaque becomes this object, which must outlive
    // the handle made from `conf`). A client whose opaque is taken calls record() itself.
    void watch(rd_kafka_conf_t* conf);

    // Whether the brokers refused the client; cheap enough for every poll.
    bool refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

    // The brokers refused this client (a login or a TLS handshake failed) since the last
    // forget_refusal(): the reason, with a hint when one is known. Empty while none did.
    // A broker that closes the connection mid-handshake (a restart) is reported the same way,
    // so a long-lived client forgets it before each operation and judges only what happens
    // during that operation.
    std::optional<std::string> refusal() const;
    void forget_refusal();

    // The latest error of any kind within the last minute, e.g. "1/1 brokers are down"; ""
    // when none (an older one says nothing about a request that fails now).
    std::string latest() const;

    // Keeps the error and prints it as librdkafka does without an error callback.
    void record(rd_kafka_t* handle, rd_kafka_resp_err_t code, const char* reason) noexcept;

  private:
    std::string hint_;  // added to a refusal's reason
    mutable std::mutex mutex_;
    std::string latest_;
    std::chrono::steady_clock::time_point latest_at_;
    std::string refusal_;
    std::atomic<bool> refused_{false};
};

// Whether `code` means the brokers refused the client: a failed login or TLS handshake.
bool is_refusal(rd_kafka_resp_err_t code);

// What to add to a refusal's reason for `connection`, "" when nothing is known: librdkafka
// before 2.6.1 (Debian 12 has 2.0.2) repeats the client nonce in its last SCRAM message,
// which Kafka 4.x brokers refuse as invalid credentials (librdkafka issue 4895).
std::string refusal_hint(const KafkaConnection& connection);

}  // namespace tripstream::kafka
