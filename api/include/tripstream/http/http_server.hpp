// The HTTP/1.1 server: an Asio io_context run by a few threads does every read, write and
// deadline without blocking; handlers run on a worker pool sized to the cores, so a slow
// query never stalls the event loop, and uploads (which stream their body into Kafka) run on
// a pool of their own, max_concurrent_uploads at once (429 beyond). Event streams, once their
// handler has answered, move to a second event loop whose one thread runs at a lower priority
// (nice 10), so that a status change's thousands of writes never delay a query's answer. A
// connection costs a
// small object and its socket, not a thread: 10,000 event-stream subscribers or 4,096
// clients trickling their headers do not crowd out anybody.
//
// Deadlines: the whole request head (408), keep-alive idle time (close), request body idle
// time and minimum rate (408), write progress (a client that takes no bytes is dropped).
//
// Graceful stop: run() returns after the listener closes, idle connections are cut, requests
// in flight get stop_grace to finish, and event streams end.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "tripstream/http/http_metrics.hpp"
#include "tripstream/http/router.hpp"
#include "tripstream/log.hpp"

namespace tripstream::http {

struct HttpServerOptions {
    std::string address = "0.0.0.0";
    int port = 8080;            // 0: any free port (tests), see HttpServer::port()
    size_t io_threads = 0;      // 0: one per core
    size_t worker_threads = 0;  // 0: one per core
    size_t max_connections = 16384;
    size_t max_connections_per_address = 8192;
    size_t max_concurrent_uploads = 4;  // routes with streams_body
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds keep_alive_timeout{60'000};
    std::chrono::milliseconds body_idle_timeout{30'000};
    uint64_t body_min_rate = 1024;  // bytes/s once the body has run body_idle_timeout; 0: none
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds stop_grace{10'000};  // for requests in flight at stop
};

struct ServerState;

class HttpServer {
  public:
    // Binds and listens at once (throws std::runtime_error naming the address on failure).
    HttpServer(HttpServerOptions options, Router router, HttpMetrics& metrics, Logger log);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    int port() const { return port_; }
    // Serves until `stop` becomes true, then stops gracefully and returns.
    void run(const std::atomic<bool>& stop);
    size_t open_connections() const;
    // Runs `work` on the worker pool (the threads that run handlers): for blocking work an
    // event stream needs, such as a database read, off the event loop.
    void run_blocking(std::function<void()> work);

  private:
    std::shared_ptr<ServerState> state_;
    int port_ = 0;
};

}  // namespace tripstream::http
