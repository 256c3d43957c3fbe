// What every connection of one HttpServer shares: options, routes, metrics, limits, the
// io_context and the handler pools, and the registry of live connections that a graceful
// stop walks. Private to the server's sources.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tripstream/http/connection_limiter.hpp"
#include "tripstream/http/http_metrics.hpp"
#include "tripstream/http/http_server.hpp"
#include "tripstream/http/router.hpp"
#include "tripstream/log.hpp"

namespace tripstream::http {

// A live connection as the server sees it at stop.
class Connection {
  public:
    virtual ~Connection() = default;
    // From any thread. force = false: close if idle, else finish the request in flight and
    // close after its answer; force = true: close now.
    virtual void server_stopping(bool force) = 0;
};

struct ServerState {
    ServerState(HttpServerOptions options_in, Router router_in, HttpMetrics& metrics_in,
                Logger log_in);

    // Declared first so that it outlives the io_context: destroying pending handlers
    // destroys connections, which give their slots back.
    HttpServerOptions options;
    Router router;
    HttpMetrics& metrics;
    Logger log;
    ConnectionLimiter limiter;

    std::atomic<bool> stopping{false};
    std::atomic<size_t> busy{0};     // requests between their head and their answer's end
    std::atomic<size_t> uploads{0};  // streams_body requests in progress

    // Live connections by id, for a graceful stop.
    uint64_t add_live(std::weak_ptr<Connection> connection);
    void remove_live(uint64_t id);
    std::vector<std::shared_ptr<Connection>> live_connections();

    boost::asio::io_context io;
    // Event streams after their response head: one thread of lower priority (nice 10).
    boost::asio::io_context streams_io;
    boost::asio::thread_pool workers;
    boost::asio::thread_pool uploads_pool;
    boost::asio::ip::tcp::acceptor acceptor;
    std::vector<std::thread> io_threads;
    std::thread streams_thread;

  private:
    std::mutex live_mutex_;
    uint64_t next_id_ = 0;
    std::unordered_map<uint64_t, std::weak_ptr<Connection>> live_;
};

// Counts a request as busy from its head to the end of its answer.
class BusyRequest {
  public:
    explicit BusyRequest(ServerState& server) : server_(server) { ++server_.busy; }
    ~BusyRequest() { --server_.busy; }
    BusyRequest(const BusyRequest&) = delete;
    BusyRequest& operator=(const BusyRequest&) = delete;

  private:
    ServerState& server_;
};

}  // namespace tripstream::http
