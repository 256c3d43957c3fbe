#include "tripstream/db/connection_pool.hpp"

namespace tripstream::db {

ConnectionPool::Lease::~Lease() {
    if (pool_ != nullptr) pool_->give_back(std::move(conn_));
}

ConnectionPool::ConnectionPool(std::string url, std::string application, size_t size,
                               std::chrono::milliseconds wait,
                               std::chrono::milliseconds statement_timeout)
    : url_(std::move(url)),
      application_(std::move(application)),
      size_(size),
      wait_(wait),
      statement_timeout_(statement_timeout) {}

// A session-level SET rather than libpq's `options` keyword: the URL may carry options of its
// own, which a second `options` value would replace.
std::unique_ptr<PgConnection> ConnectionPool::open() const {
    auto conn = std::make_unique<PgConnection>(url_, application_);
    if (statement_timeout_.count() > 0) {
        conn->exec("SET statement_timeout = " + std::to_string(statement_timeout_.count()));
    }
    return conn;
}

ConnectionPool::Lease ConnectionPool::acquire() {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, wait_, [&] { return leased_ < size_; })) {
        throw PgError("all " + std::to_string(size_) + " database connections are busy", "53300",
                      false);
    }
    ++leased_;
    if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(conn));
    }
    lock.unlock();
    try {
        return Lease(*this, open());
    } catch (...) {
        give_back(nullptr);
        throw;
    }
}

void ConnectionPool::give_back(std::unique_ptr<PgConnection> conn) {
    {
        std::lock_guard lock(mutex_);
        --leased_;
        // A broken connection (or one left inside a transaction) is dropped, not reused.
        if (conn && conn->healthy() && PQtransactionStatus(conn->get()) == PQTRANS_IDLE) {
            idle_.push_back(std::move(conn));
        }
    }
    freed_.notify_one();
}

}  // namespace tripstream::db
