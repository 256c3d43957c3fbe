// The HTTP/1.1 server: one listening socket, one thread per connection, synchronous Beast
// parsing and writing. Why threads: handlers block on PostgreSQL and Kafka, event streams
// wait for news, and uploads stream into the producer; a thread per connection keeps each of
// them straight-line code. Idle threads cost only their stack (1,000 event-stream clients are
// about 1,000 sleeping threads); max_connections bounds them.
//
// Graceful stop: run() returns after the listener closes, idle keep-alive connections are cut,
// requests in flight finish and event streams end (their handlers see stopping()).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tripstream/http/http_metrics.hpp"
#include "tripstream/http/router.hpp"
#include "tripstream/log.hpp"

namespace tripstream::http {

struct HttpServerOptions {
    std::string address = "0.0.0.0";
    int port = 8080;  // 0: any free port (tests), see HttpServer::port()
    size_t max_connections = 4096;
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive and slow-client reads
    std::chrono::milliseconds stop_grace{10'000};    // for in-flight requests at stop
};

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
    bool stopping() const { return stopping_.load(); }
    size_t open_connections() const;

  private:
    struct Connection;
    void accept_one(int fd);
    void serve(Connection& connection);
    void reap_finished();
    void stop_connections();

    HttpServerOptions options_;
    Router router_;
    HttpMetrics& metrics_;
    Logger log_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::list<std::unique_ptr<Connection>> connections_;
};

}  // namespace tripstream::http
