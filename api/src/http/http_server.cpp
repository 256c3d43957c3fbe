#include "tripstream/http/http_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tripstream/http/http_connection.hpp"
#include "tripstream/http/problem.hpp"

namespace tripstream::http {

struct HttpServer::Connection {
    explicit Connection(int fd, std::chrono::milliseconds timeout) : socket(fd, timeout) {}
    TcpSocket socket;
    std::thread thread;
    std::atomic<bool> idle{true};
    std::atomic<bool> finished{false};
};

namespace {

int listen_on(const std::string& address, int port, int& bound_port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string where = address + ":" + std::to_string(port);
    if (const int rc = getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &found)) {
        throw std::runtime_error("cannot resolve " + where + ": " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() for " + where + ": " + std::strerror(errno));
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
        const std::string error = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error(
            "cannot listen on " + where + ": " + error +
            (errno == EADDRINUSE ? " (is another API running? set HTTP_PORT)" : ""));
    }
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    bound_port =
        ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    return fd;
}

// The whole 503 a refused connection gets, written without a parser or a thread.
std::string busy_response() {
    const HttpResponse busy = problem(503, "too many connections; retry later");
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + busy.content_type +
           "\r\nContent-Length: " + std::to_string(busy.body.size()) +
           "\r\nConnection: close\r\n\r\n" + busy.body;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Router router, HttpMetrics& metrics, Logger log)
    : options_(std::move(options)),
      router_(std::move(router)),
      metrics_(metrics),
      log_(std::move(log)) {
    listen_fd_ = listen_on(options_.address, options_.port, port_);
}

HttpServer::~HttpServer() {
    stopping_ = true;
    stop_connections();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

size_t HttpServer::open_connections() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

void HttpServer::run(const std::atomic<bool>& stop) {
    while (!stop.load()) {
        pollfd p{listen_fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, 200);  // wakes to notice `stop` and reap threads
        reap_finished();
        if (ready <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
                log_.warn(cat("accept failed: ", std::strerror(errno)));
                // Out of descriptors or memory: the listener stays readable, so back off
                // instead of spinning until a connection ends.
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            continue;
        }
        accept_one(fd);
    }
    stopping_ = true;
    ::close(listen_fd_);
    listen_fd_ = -1;
    stop_connections();
}

void HttpServer::accept_one(int fd) {
    auto connection = std::make_unique<Connection>(fd, options_.idle_timeout);
    std::lock_guard lock(mutex_);
    if (connections_.size() >= options_.max_connections) {
        connection->socket.write_all(busy_response());
        return;
    }
    Connection& c = *connection;
    try {
        c.thread = std::thread([this, &c] {
            serve(c);
            c.finished = true;
        });
    } catch (const std::system_error& e) {
        // Out of threads (a pids limit): refuse this client, keep serving the others.
        log_.warn(cat("cannot start a connection thread: ", e.what()));
        connection->socket.write_all(busy_response());
        return;
    }
    connections_.push_back(std::move(connection));
}

void HttpServer::serve(Connection& connection) {
    try {
        serve_connection(connection.socket,
                         ConnectionContext{router_, metrics_, log_, stopping_, connection.idle});
    } catch (const std::exception& e) {
        log_.warn(cat("connection from ", connection.socket.peer(), " ended: ", e.what()));
    }
    connection.socket.shutdown_write();  // the descriptor closes when the thread is reaped
    // Stopping: clients have had their answers; do not hold the exit for them.
    connection.socket.drain(
        stopping_.load() ? std::chrono::milliseconds(100) : std::chrono::milliseconds(2000),
        4 << 20);
}

void HttpServer::reap_finished() {
    std::list<std::unique_ptr<Connection>> done;
    {
        std::lock_guard lock(mutex_);
        for (auto it = connections_.begin(); it != connections_.end();) {
            if ((*it)->finished.load()) {
                done.push_back(std::move(*it));
                it = connections_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& c : done)
        c->thread.join();
}

// Idle connections are cut at once; busy ones get stop_grace to finish their response.
void HttpServer::stop_connections() {
    const auto deadline = std::chrono::steady_clock::now() + options_.stop_grace;
    for (;;) {
        bool busy = false;
        {
            std::lock_guard lock(mutex_);
            for (auto& c : connections_) {
                if (c->finished.load()) continue;
                if (c->idle.load() || std::chrono::steady_clock::now() >= deadline) {
                    c->socket.shutdown();
                } else {
                    busy = true;
                }
            }
        }
        reap_finished();
        if (!busy && open_connections() == 0) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace tripstream::http
