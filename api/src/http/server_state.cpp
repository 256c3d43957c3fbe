#include "server_state.hpp"

namespace tripstream::http {
namespace {

size_t or_cores(size_t wanted) {
    if (wanted > 0) return wanted;
    return std::max<size_t>(1, std::thread::hardware_concurrency());
}

}  // namespace

ServerState::ServerState(HttpServerOptions options_in, Router router_in, HttpMetrics& metrics_in,
                         Logger log_in)
    : options(std::move(options_in)),
      router(std::move(router_in)),
      metrics(metrics_in),
      log(std::move(log_in)),
      limiter(options.max_connections, options.max_connections_per_address),
      workers(or_cores(options.worker_threads)),
      uploads_pool(std::max<size_t>(1, options.max_concurrent_uploads)),
      acceptor(io) {
    options.io_threads = or_cores(options.io_threads);
}

uint64_t ServerState::add_live(std::weak_ptr<Connection> connection) {
    std::lock_guard lock(live_mutex_);
    const uint64_t id = ++next_id_;
    live_.emplace(id, std::move(connection));
    return id;
}

void ServerState::remove_live(uint64_t id) {
    std::lock_guard lock(live_mutex_);
    live_.erase(id);
}

std::vector<std::shared_ptr<Connection>> ServerState::live_connections() {
    std::vector<std::shared_ptr<Connection>> out;
    std::lock_guard lock(live_mutex_);
    out.reserve(live_.size());
    for (const auto& [id, weak] : live_)
        if (auto c = weak.lock()) out.push_back(std::move(c));
    return out;
}

}  // namespace tripstream::http
