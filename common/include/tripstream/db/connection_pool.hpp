// A fixed-size pool of PostgreSQL connections for request handlers: connections are opened
// on first need (so the API starts while the database is still coming up), handed out one
// per request, and dropped instead of returned when they broke, so the next lease reconnects.
// Every connection it opens gets the pool's statement_timeout, so a request whose query hangs
// (a locked table, a stuck database) is cancelled instead of holding its thread forever.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tripstream/db/pg_connection.hpp"

namespace tripstream::db {

class ConnectionPool {
  public:
    class Lease {
      public:
        Lease(ConnectionPool& pool, std::unique_ptr<PgConnection> conn)
            : pool_(&pool), conn_(std::move(conn)) {}
        ~Lease();
        Lease(Lease&& other) noexcept
            : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        PgConnection& operator*() { return *conn_; }
        PgConnection* operator->() { return conn_.get(); }

      private:
        ConnectionPool* pool_;
        std::unique_ptr<PgConnection> conn_;
    };

    // `statement_timeout`: PostgreSQL's limit on each statement of a leased connection (a
    // statement running longer fails with SQLSTATE 57014); zero means none.
    ConnectionPool(std::string url, std::string application, size_t size,
                   std::chrono::milliseconds wait = std::chrono::seconds(5),
                   std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0));

    // A connection, waiting up to `wait` for a free slot. Throws PgError (retryable) when the
    // database cannot be reached or every connection stays busy.
    Lease acquire();

  private:
    std::unique_ptr<PgConnection> open() const;
    void give_back(std::unique_ptr<PgConnection> conn);

    std::string url_;
    std::string application_;
    size_t size_;
    std::chrono::milliseconds wait_;
    std::chrono::milliseconds statement_timeout_;
    std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<std::unique_ptr<PgConnection>> idle_;
    size_t leased_ = 0;
};

}  // namespace tripstream::db
