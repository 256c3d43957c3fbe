// RAII ownership of a libpq connection and its results, with every error carrying its
// SQLSTATE and whether retrying can help. libpq directly (rather than libpqxx) where the
// consumer needs COPY FROM STDIN with binary data at full speed.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tripstream::db {

class PgError : public std::runtime_error {
  public:
    PgError(const std::string& what, std::string sqlstate, bool connection_lost)
        : std::runtime_error(what),
          sqlstate_(std::move(sqlstate)),
          connection_lost_(connection_lost) {}

    const std::string& sqlstate() const { return sqlstate_; }
    bool connection_lost() const { return connection_lost_; }
    // True for failures that a retry (after reconnecting, if needed) can fix: the server went
    // away or restarts, too many connections, serialization failure, deadlock.
    bool retryable() const;
    // True for a refusal of the data itself (SQLSTATE class 22, data exception, or 23,
    // integrity violation): retrying the same rows cannot help, leaving them out can.
    bool data_error() const;
    // True when the server cancelled the statement (SQLSTATE 57014): statement_timeout ran
    // out, or someone called pg_cancel_backend. The connection itself is still usable.
    bool cancelled() const { return sqlstate_ == "57014"; }

  private:
    std::string sqlstate_;
    bool connection_lost_;
};

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// One text parameter; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

class PgConnection {
  public:
    // Connects (throws PgError) within `connect_timeout_s` seconds. The connection's
    // application_name is `application`.
    PgConnection(const std::string& url, const std::string& application,
                 int connect_timeout_s = 10);

    PgResult exec(const std::string& sql);
    PgResult exec(const std::string& sql, const std::vector<PgParam>& params);

    // COPY ... FROM STDIN with `data` as the whole input.
    void copy_in(const std::string& copy_sql, std::string_view data);

    bool healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
    PGconn* get() { return conn_.get(); }

  private:
    PgResult check(PgResult result, const std::string& sql);
    [[noreturn]] void fail(const std::string& context, const PGresult* result = nullptr);

    struct ConnDeleter {
        void operator()(PGconn* c) const { PQfinish(c); }
    };
    std::unique_ptr<PGconn, ConnDeleter> conn_;
};

// The first value of the first row as text ("" for NULL or no rows).
std::string first_value(const PgResult& result);

// A PostgreSQL array literal of integers, e.g. {1,2,3}.
template <typename Int>
std::string int_array(const std::vector<Int>& values) {
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += std::to_string(values[i]);
    }
    out.push_back('}');
    return out;
}

}  // namespace tripstream::db
