#include "tripstream/query/index_listeners.hpp"

#include <utility>

namespace tripstream::query {

IndexListeners::Subscription::Subscription(Subscription&& other) noexcept
    : state_(std::move(other.state_)), id_(std::exchange(other.id_, 0)) {}

IndexListeners::Subscription& IndexListeners::Subscription::operator=(
    Subscription&& other) noexcept {
    if (this != &other) {
        reset();
        state_ = std::move(other.state_);
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

void IndexListeners::Subscription::reset() {
    if (const auto state = state_.lock()) {
        const std::lock_guard lock(state->mutex);
        state->callbacks.erase(id_);
    }
    state_.reset();
    id_ = 0;
}

IndexListeners::Subscription IndexListeners::subscribe(std::function<void()> callback) {
    const std::lock_guard lock(state_->mutex);
    const uint64_t id = ++state_->next_id;
    state_->callbacks.emplace(id, std::move(callback));
    return Subscription(state_, id);
}

void IndexListeners::notify() const {
    const std::lock_guard lock(state_->mutex);
    for (const auto& [id, callback] : state_->callbacks)
        callback();
}

size_t IndexListeners::size() const {
    const std::lock_guard lock(state_->mutex);
    return state_->callbacks.size();
}

}  // namespace tripstream::query
