#include "tripstream/db/migrations.hpp"

#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

namespace tripstream::db {
namespace {

constexpr const char* kLock = "SELECT pg_advisory_lock(7274000)";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(7274000)";

// Runs one statement outside a transaction block and returns its first row's first value.
std::string run_outside_transaction(pqxx::connection& conn, const std::string& sql) {
    pqxx::nontransaction session(conn);
    const pqxx::result r = session.exec(sql);
    return r.empty() || r[0].empty() || r[0][0].is_null() ? std::string() : r[0][0].c_str();
}

int apply_missing(pqxx::connection& conn) {
    run_outside_transaction(conn,
                            "CREATE TABLE IF NOT EXISTS public.tripstream_schema_migrations ("
                            " version integer PRIMARY KEY, name text NOT NULL,"
                            " applied_at timestamptz NOT NULL DEFAULT now())");
    int current = std::stoi(run_outside_transaction(
        conn, "SELECT coalesce(max(version), 0) FROM public.tripstream_schema_migrations"));
    int applied = 0;
    for (const Migration& m : embedded_migrations()) {
        if (m.version <= current) continue;
        pqxx::work tx(conn);
        try {
            tx.exec(m.sql);
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string("migration ") + m.name + " failed: " + e.what());
        }
        tx.exec_params0(
            "INSERT INTO public.tripstream_schema_migrations (version, name) VALUES ($1, $2)",
            m.version, m.name);
        tx.commit();
        current = m.version;
        ++applied;
    }
    return applied;
}

}  // namespace

MigrationResult migrate(const std::string& database_url) {
    pqxx::connection conn(database_url);
    // A session-level lock, held across the per-migration transactions.
    run_outside_transaction(conn, kLock);
    MigrationResult result;
    try {
        result.applied = apply_missing(conn);
    } catch (...) {
        run_outside_transaction(conn, kUnlock);
        throw;
    }
    result.current_version = std::stoi(run_outside_transaction(
        conn, "SELECT coalesce(max(version), 0) FROM public.tripstream_schema_migrations"));
    run_outside_transaction(conn, kUnlock);
    return result;
}

MigrationResult migrate_with_retry(const std::string& database_url, const Logger& log,
                                   const std::atomic<bool>& stop, int attempts) {
    for (int attempt = 1;; ++attempt) {
        try {
            return migrate(database_url);
        } catch (const pqxx::broken_connection& e) {
            if (attempt >= attempts || stop.load()) throw;
            log.warn(cat("migration attempt ", attempt, " failed, retrying: ", e.what()));
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

}  // namespace tripstream::db
