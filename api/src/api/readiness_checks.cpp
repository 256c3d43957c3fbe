#include "tripstream/api/readiness_checks.hpp"

#include <memory>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/kafka/kafka_admin.hpp"

namespace tripstream::api {
namespace {

constexpr int kConnectTimeoutSeconds = 2;
constexpr int kStatementTimeoutMs = 2000;
constexpr std::chrono::seconds kKafkaTimeout{2};

// One connection, kept between checks and opened again after it broke.
class DatabaseCheck {
  public:
    explicit DatabaseCheck(std::string url) : url_(std::move(url)) {}

    void operator()() {
        try {
            if (!conn_ || !conn_->healthy()) connect();
            conn_->exec("SELECT 1");
        } catch (...) {
            conn_.reset();
            throw;
        }
    }

  private:
    void connect() {
        conn_ = std::make_unique<db::PgConnection>(url_, "tripstream-api-readiness",
                                                   kConnectTimeoutSeconds);
        conn_->exec("SET statement_timeout = " + std::to_string(kStatementTimeoutMs));
    }

    std::string url_;
    std::unique_ptr<db::PgConnection> conn_;
};

// One admin client for the process's life: its broker connections stay open between checks.
class KafkaCheck {
  public:
    explicit KafkaCheck(kafka::KafkaConnection connection) : connection_(std::move(connection)) {}

    void operator()() {
        if (!admin_) admin_ = std::make_unique<kafka::KafkaAdmin>(connection_);
        admin_->check_reachable(kKafkaTimeout);
    }

  private:
    kafka::KafkaConnection connection_;
    std::unique_ptr<kafka::KafkaAdmin> admin_;
};

}  // namespace

std::vector<ReadinessProbe::Dependency> readiness_dependencies(const Config& config) {
    // std::function needs copyable targets: each check's state lives behind a shared_ptr.
    auto database = std::make_shared<DatabaseCheck>(config.database.url);
    auto kafka = std::make_shared<KafkaCheck>(config.kafka);
    return {{"database", [database] { (*database)(); }}, {"kafka", [kafka] { (*kafka)(); }}};
}

}  // namespace tripstream::api
