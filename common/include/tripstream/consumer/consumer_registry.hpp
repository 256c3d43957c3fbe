// The consumer's entry in tripstream.consumers: a heartbeat with its progress while it runs,
// and its final state when it stops ('stopped', or 'failed' with the error), so that the
// status API can tell a live consumer from a dead one and say why one failed. Uses a
// connection of its own: a heartbeat must not wait for a batch that is being written.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/log.hpp"

namespace tripstream {

struct ConsumerProgress {
    std::string partitions = "{}";  // trips partitions held, as a PostgreSQL int[] literal
    uint64_t rows_inserted = 0;
    uint64_t rows_rejected = 0;
    uint64_t batches = 0;
};

enum class ConsumerState { running, stopped, failed };

const char* to_string(ConsumerState state);

class ConsumerRegistry {
  public:
    ConsumerRegistry(std::string database_url, std::string consumer_id, std::string group,
                     const Logger& log);

    // Records the state and progress now. Never throws: a registry that cannot be written
    // (database away) must not stop the consumer; the failure is logged at debug level and
    // the next call tries again. `error` is stored sanitized (valid UTF-8, no control bytes).
    void record(ConsumerState state, const ConsumerProgress& progress,
                const std::string& error = "") noexcept;

    // Time from the last record() call, successful or not, to `now`.
    std::chrono::steady_clock::duration since_last_record(
        std::chrono::steady_clock::time_point now) const {
        return now - last_record_;
    }

  private:
    std::string database_url_;
    std::string consumer_id_;
    std::string group_;
    const Logger& log_;
    std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point last_record_{};
    std::unique_ptr<db::PgConnection> conn_;
};

}  // namespace tripstream
