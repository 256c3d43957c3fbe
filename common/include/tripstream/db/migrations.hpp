// Schema migrations: the numbered files of sql/migrations/, compiled in, applied in order,
// each once, each in its own transaction. Safe to run concurrently from several processes
// (an advisory lock serialises them; late arrivals find nothing left to do).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "tripstream/log.hpp"

namespace tripstream::db {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

const std::vector<Migration>& embedded_migrations();

struct MigrationResult {
    int applied = 0;          // migrations applied by this call
    int current_version = 0;  // schema version afterwards
};

// Connects to `database_url` and applies what is missing. Throws on failure, naming the
// migration that failed.
MigrationResult migrate(const std::string& database_url);

// migrate(), waiting for a database that is still starting (compose, scripts): an
// unreachable server is retried once a second up to `attempts` times (or until `stop`);
// any other error is final. Each retry is logged with `log`.
MigrationResult migrate_with_retry(const std::string& database_url, const Logger& log,
                                   const std::atomic<bool>& stop, int attempts = 30);

}  // namespace tripstream::db
