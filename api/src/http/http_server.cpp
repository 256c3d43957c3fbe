#include "tripstream/http/http_server.hpp"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <stdexcept>

#include "http_session.hpp"
#include "server_state.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/process/background_priority.hpp"

namespace tripstream::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Each connection is a descriptor: raise the soft open-files limit to the hard one, so that
// max_connections, not a default of 1,024, decides how many clients the API holds.
void raise_open_files_limit(const Logger& log, size_t wanted) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur < wanted + 256) {
        log.warn(cat("the open-files limit (", limit.rlim_cur, ") is below MAX_CONNECTIONS (",
                     wanted, "): clients beyond it are refused at accept"));
    }
}

void listen_on(tcp::acceptor& acceptor, const std::string& address, int port) {
    const std::string where = address + ":" + std::to_string(port);
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) throw std::runtime_error("cannot listen on " + where + ": not an IP address");
    const tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(4096, ec);
    if (ec) {
        throw std::runtime_error(
            "cannot listen on " + where + ": " + ec.message() +
            (ec == asio::error::address_in_use ? " (is another API running? set HTTP_PORT)" : ""));
    }
}

// The whole 503 a refused connection gets: small enough for the socket's buffer, so it is
// written without waiting and without a session.
const std::string& busy_response() {
    static const std::string text = [] {
        const HttpResponse busy = problem(503, "too many connections; retry later");
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + busy.content_type +
               "\r\nContent-Length: " + std::to_string(busy.body.size()) +
               "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + busy.body;
    }();
    return text;
}

void refuse_connection(tcp::socket& socket) {
    const std::string& text = busy_response();
    ::send(socket.native_handle(), text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
}

class Acceptor : public std::enable_shared_from_this<Acceptor> {
  public:
    explicit Acceptor(ServerState& server) : server_(server), backoff_(server.io) {}

    void accept() {
        server_.acceptor.async_accept(
            asio::make_strand(server_.io),
            [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
                self->on_accept(ec, std::move(socket));
            });
    }

  private:
    void on_accept(boost::system::error_code ec, tcp::socket socket) {
        if (server_.stopping || ec == asio::error::operation_aborted) return;
        if (ec) {
            // Out of descriptors or memory: the listener stays readable, so back off
            // instead of spinning until a connection ends.
            server_.log.warn(cat("accept failed: ", ec.message()));
            backoff_.expires_after(std::chrono::milliseconds(100));
            backoff_.async_wait([self = shared_from_this()](boost::system::error_code) {
                if (!self->server_.stopping) self->accept();
            });
            return;
        }
        boost::system::error_code peer_ec;
        const auto peer = socket.remote_endpoint(peer_ec);
        const std::string address = peer_ec ? "unknown" : peer.address().to_string();
        if (auto slot = server_.limiter.try_acquire(address)) {
            std::make_shared<HttpSession>(server_, std::move(socket), std::move(slot))->start();
        } else {
            refuse_connection(socket);
        }
        accept();
    }

    ServerState& server_;
    asio::steady_timer backoff_;
};

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Router router, HttpMetrics& metrics, Logger log)
    : state_(std::make_shared<ServerState>(std::move(options), std::move(router), metrics,
                                           std::move(log))) {
    raise_open_files_limit(state_->log, state_->options.max_connections);
    listen_on(state_->acceptor, state_->options.address, state_->options.port);
    port_ = state_->acceptor.local_endpoint().port();
    std::weak_ptr<ServerState> weak = state_;
    state_->metrics.set_open_connections([weak]() -> size_t {
        const auto state = weak.lock();
        return state ? state->limiter.open() : 0;
    });
}

HttpServer::~HttpServer() {
    ServerState& s = *state_;
    s.stopping = true;
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    for (auto& c : s.live_connections())
        c->server_stopping(true);
    s.workers.join();
    s.uploads_pool.join();
    s.io.stop();
    s.streams_io.stop();
    for (auto& t : s.io_threads)
        if (t.joinable()) t.join();
    if (s.streams_thread.joinable()) s.streams_thread.join();
}

size_t HttpServer::open_connections() const {
    return state_->limiter.open();
}

void HttpServer::run_blocking(std::function<void()> work) {
    asio::post(state_->workers, std::move(work));
}

void HttpServer::run(const std::atomic<bool>& stop) {
    ServerState& s = *state_;
    auto work = asio::make_work_guard(s.io);
    std::make_shared<Acceptor>(s)->accept();
    auto streams_work = asio::make_work_guard(s.streams_io);
    for (size_t i = 0; i < s.options.io_threads; ++i)
        s.io_threads.emplace_back([&s] { s.io.run(); });
    s.streams_thread = std::thread([&s] {
        // Only this thread (nice 10): a status change's fan-out yields the CPU to requests.
        if (!lower_to_background_priority()) s.log.warn("cannot lower the event streams' priority");
        s.streams_io.run();
    });
    while (!stop.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(100));

    // Stop: no new connections; idle ones close now, busy ones after their answer.
    s.stopping = true;
    asio::post(s.io, [&s] {
        boost::system::error_code ignored;
        s.acceptor.close(ignored);
    });
    for (auto& c : s.live_connections())
        c->server_stopping(false);
    const auto deadline = std::chrono::steady_clock::now() + s.options.stop_grace;
    while (s.busy.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Whatever is left (a stuck upload, a client not reading its answer) is cut.
    for (auto& c : s.live_connections())
        c->server_stopping(true);
    s.workers.join();
    s.uploads_pool.join();
    work.reset();
    streams_work.reset();
    // Connections that are still draining end within their short stopping deadline.
    for (auto& t : s.io_threads)
        t.join();
    s.io_threads.clear();
    s.streams_thread.join();
}

}  // namespace tripstream::http
