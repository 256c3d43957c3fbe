// Who wants to hear that the in-memory index changed (LiveTripIndex): callbacks registered
// with an RAII token and called after every published snapshot and every change of state
// (ready, stale, following), so that standing queries (GET /v1/trips/weekly-average/events)
// recompute only when there is something new instead of polling.
//
// The token may outlive the registry (a stream that ends after the index was destroyed): it
// holds the registry's state weakly and then has nothing to remove.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace tripstream::query {

class IndexListeners {
    struct State {
        std::mutex mutex;  // held while callbacks run, so none runs after its unsubscribe
        uint64_t next_id = 0;
        std::map<uint64_t, std::function<void()>> callbacks;
    };

  public:
    // Removes its callback when destroyed or reset(); once that returns, the callback is not
    // running and will not be called again.
    class Subscription {
      public:
        Subscription() = default;
        Subscription(std::weak_ptr<State> state, uint64_t id) : state_(std::move(state)), id_(id) {}
        ~Subscription() { reset(); }
        Subscription(Subscription&& other) noexcept;
        Subscription& operator=(Subscription&& other) noexcept;
        Subscription(const Subscription&) = delete;
        Subscription& operator=(const Subscription&) = delete;

        void reset();

      private:
        std::weak_ptr<State> state_;
        uint64_t id_ = 0;
    };

    // `callback` runs on the thread that calls notify(): it must be quick (post work
    // elsewhere) and must not subscribe or unsubscribe.
    Subscription subscribe(std::function<void()> callback);
    void notify() const;
    size_t size() const;

  private:
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace tripstream::query
