#include "tripstream/http/connection_limiter.hpp"

namespace tripstream::http {

std::unique_ptr<ConnectionLimiter::Slot> ConnectionLimiter::try_acquire(
    const std::string& address) {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) return nullptr;
    size_t& mine = per_address_[address];
    if (mine >= max_per_address_) return nullptr;
    ++mine;
    ++total_;
    return std::make_unique<Slot>(*this, address);
}

size_t ConnectionLimiter::open() const {
    std::lock_guard lock(mutex_);
    return total_;
}

void ConnectionLimiter::release(const std::string& address) {
    std::lock_guard lock(mutex_);
    --total_;
    const auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

}  // namespace tripstream::http
