#include "tripstream/db/pg_connection.hpp"

namespace tripstream::db {
namespace {

std::string short_sql(const std::string& sql) {
    std::string s = sql.substr(0, 80);
    for (char& c : s) {
        if (c == '\n') c = ' ';
    }
    return sql.size() > 80 ? s + "..." : s;
}

}  // namespace

bool PgError::data_error() const {
    return !connection_lost_ && (sqlstate_.rfind("22", 0) == 0 || sqlstate_.rfind("23", 0) == 0);
}

bool PgError::retryable() const {
    if (connection_lost_) return true;
    const std::string cls = sqlstate_.substr(0, 2);
    return cls == "08" ||                                   // connection exception
           sqlstate_ == "40001" || sqlstate_ == "40P01" ||  // serialization, deadlock
           sqlstate_ == "57P01" || sqlstate_ == "57P02" || sqlstate_ == "57P03" ||  // shutdown
           sqlstate_ == "53300" || sqlstate_ == "53400";  // too many connections
}

PgConnection::PgConnection(const std::string& url, const std::string& application,
                           int connect_timeout_s) {
    // TCP keepalives: a database host that vanishes (no FIN, no RST) is noticed within about
    // a minute instead of the kernel's 2-hour default, so a query waiting on it fails with a
    // connection error (retryable) rather than hanging a consumer or an API request.
    const char* keys[] = {"keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "dbname",
                          "application_name",
                          "connect_timeout",
                          nullptr};
    const std::string connect_timeout = std::to_string(connect_timeout_s);
    const char* values[] = {
        "30", "10", "3", url.c_str(), application.c_str(), connect_timeout.c_str(), nullptr};
    // expand_dbname=1: settings are applied in order, so the URL's own keepalive settings win
    // over the defaults before it, and application_name after it is ours.
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string message = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
        while (!message.empty() && message.back() == '\n')
            message.pop_back();
        throw PgError("cannot connect to PostgreSQL: " + message, "08001", true);
    }
    // NOTICEs ("relation already exists, skipping") are expected chatter, not news.
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
}

void PgConnection::fail(const std::string& context, const PGresult* result) {
    std::string sqlstate;
    std::string message = PQerrorMessage(conn_.get());
    if (result != nullptr) {
        if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) sqlstate = s;
        if (const char* m = PQresultErrorMessage(result); m != nullptr && *m != '\0') message = m;
    }
    while (!message.empty() && message.back() == '\n')
        message.pop_back();
    const bool lost = PQstatus(conn_.get()) != CONNECTION_OK;
    throw PgError(context + ": " + message + (sqlstate.empty() ? "" : " [" + sqlstate + "]"),
                  sqlstate, lost);
}

PgResult PgConnection::check(PgResult result, const std::string& sql) {
    if (!result) fail(short_sql(sql));
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(short_sql(sql), result.get());
    return result;
}

PgResult PgConnection::exec(const std::string& sql) {
    return check(PgResult(PQexec(conn_.get(), sql.c_str())), sql);
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<PgParam>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params)
        values.push_back(p ? p->c_str() : nullptr);
    return check(PgResult(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                                       nullptr, values.data(), nullptr, nullptr, 0)),
                 sql);
}

void PgConnection::copy_in(const std::string& copy_sql, std::string_view data) {
    PgResult start(PQexec(conn_.get(), copy_sql.c_str()));
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) {
        fail(short_sql(copy_sql), start.get());
    }
    constexpr size_t kChunk = 1 << 20;
    for (size_t done = 0; done < data.size(); done += kChunk) {
        const size_t n = std::min(kChunk, data.size() - done);
        if (PQputCopyData(conn_.get(), data.data() + done, static_cast<int>(n)) != 1) {
            fail(short_sql(copy_sql) + " (sending data)");
        }
    }
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) fail(short_sql(copy_sql) + " (ending)");
    PgResult end(PQgetResult(conn_.get()));
    // Drain every result before reporting a refused COPY, so the connection is ready for the
    // next command (a ROLLBACK TO SAVEPOINT when a row is being isolated).
    while (PgResult extra{PQgetResult(conn_.get())}) {
    }
    if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK) fail(short_sql(copy_sql), end.get());
}

std::string first_value(const PgResult& result) {
    if (!result || PQntuples(result.get()) == 0 || PQgetisnull(result.get(), 0, 0)) return {};
    return PQgetvalue(result.get(), 0, 0);
}

}  // namespace tripstream::db
