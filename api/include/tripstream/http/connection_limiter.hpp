// How many connections the server holds, in all and per client address. A slot is taken when
// a connection is accepted and given back when its last owner lets go of it, so the count is
// right however a connection ends (answered, timed out, reset, server stopping).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tripstream::http {

class ConnectionLimiter {
  public:
    ConnectionLimiter(size_t max_total, size_t max_per_address)
        : max_total_(max_total), max_per_address_(max_per_address) {}

    // A held slot; releasing it (destruction) frees the count.
    class Slot {
      public:
        Slot(ConnectionLimiter& limiter, std::string address)
            : limiter_(limiter), address_(std::move(address)) {}
        ~Slot() { limiter_.release(address_); }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        const std::string& address() const { return address_; }

      private:
        ConnectionLimiter& limiter_;
        std::string address_;
    };

    // A slot for a new connection from `address`, or null when a limit is reached.
    std::unique_ptr<Slot> try_acquire(const std::string& address);
    size_t open() const;

  private:
    void release(const std::string& address);

    size_t max_total_;
    size_t max_per_address_;
    mutable std::mutex mutex_;
    size_t total_ = 0;
    std::unordered_map<std::string, size_t> per_address_;
};

}  // namespace tripstream::http
