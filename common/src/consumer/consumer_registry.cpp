#include "tripstream/consumer/consumer_registry.hpp"

#include "tripstream/consumer/consumer_sql.hpp"
#include "tripstream/text/utf8.hpp"

namespace tripstream {

const char* to_string(ConsumerState state) {
    switch (state) {
        case ConsumerState::running:
            return "running";
        case ConsumerState::stopped:
            return "stopped";
        case ConsumerState::failed:
            return "failed";
    }
    return "failed";
}

ConsumerRegistry::ConsumerRegistry(std::string database_url, std::string consumer_id,
                                   std::string group, const Logger& log)
    : database_url_(std::move(database_url)),
      consumer_id_(std::move(consumer_id)),
      group_(std::move(group)),
      log_(log) {}

void ConsumerRegistry::record(ConsumerState state, const ConsumerProgress& progress,
                              const std::string& error) noexcept {
    last_record_ = std::chrono::steady_clock::now();
    try {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::system_clock::now() - started_).count();
        const double rate =
            elapsed > 0 ? static_cast<double>(progress.rows_inserted) / elapsed : 0.0;
        if (!conn_ || !conn_->healthy()) {
            conn_.reset();
            conn_ = std::make_unique<db::PgConnection>(database_url_,
                                                       "tripstream-consumer " + consumer_id_);
        }
        conn_->exec(
            consumer_sql::kRecordConsumer,
            {consumer_id_, group_,
             std::to_string(std::chrono::duration<double>(started_.time_since_epoch()).count()),
             progress.partitions, std::to_string(progress.rows_inserted),
             std::to_string(progress.rows_rejected), std::to_string(progress.batches),
             std::to_string(rate), std::string(to_string(state)), sanitized_excerpt(error, 2000)});
    } catch (const std::exception& e) {
        conn_.reset();
        try {
            log_.debug(cat("consumer state not recorded: ", e.what()));
        } catch (...) {
        }
    } catch (...) {
        conn_.reset();
    }
}

}  // namespace tripstream
