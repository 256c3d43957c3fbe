#include "tripstream/http/tcp_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <cerrno>

namespace tripstream::http {
namespace {

// Write stalls this long (a client that stopped reading) end the connection.
constexpr int kWriteTimeoutMs = 30'000;

std::string describe_peer(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
    char text[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    }
    return std::string(text) + ":" + std::to_string(port);
}

boost::system::error_code from_errno(int e) {
    return {e, boost::system::system_category()};
}

}  // namespace

TcpSocket::TcpSocket(int fd, std::chrono::milliseconds read_timeout)
    : fd_(fd), read_timeout_(read_timeout), peer_(describe_peer(fd)) {
    const int one = 1;
    // Responses are written whole; Nagle would only delay the last segment.
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

TcpSocket::~TcpSocket() {
    ::close(fd_);
}

size_t TcpSocket::read_into(char* data, size_t size, boost::system::error_code& ec) {
    for (;;) {
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(read_timeout_.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            ec = from_errno(errno);
            return 0;
        }
        if (ready == 0) {
            ec = boost::asio::error::timed_out;
            return 0;
        }
        const ssize_t n = ::recv(fd_, data, size, 0);
        if (n > 0) {
            ec = {};
            return static_cast<size_t>(n);
        }
        if (n == 0) {
            ec = boost::asio::error::eof;
            return 0;
        }
        if (errno == EINTR || errno == EAGAIN) continue;
        ec = from_errno(errno);
        return 0;
    }
}

size_t TcpSocket::write_from(const char* data, size_t size, boost::system::error_code& ec) {
    for (;;) {
        const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            ec = {};
            return static_cast<size_t>(n);
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            ec = from_errno(errno);
            return 0;
        }
        pollfd p{fd_, POLLOUT, 0};
        const int ready = ::poll(&p, 1, kWriteTimeoutMs);
        if (ready == 0) {
            ec = boost::asio::error::timed_out;
            return 0;
        }
        if (ready < 0 && errno != EINTR) {
            ec = from_errno(errno);
            return 0;
        }
    }
}

bool TcpSocket::write_all(std::string_view data) {
    while (!data.empty()) {
        boost::system::error_code ec;
        const size_t n = write_from(data.data(), data.size(), ec);
        if (ec) return false;
        data.remove_prefix(n);
    }
    return true;
}

void TcpSocket::shutdown_write() {
    ::shutdown(fd_, SHUT_WR);
}

void TcpSocket::drain(std::chrono::milliseconds timeout, size_t limit) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char block[16384];
    size_t drained = 0;
    while (drained < limit) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
        const ssize_t n = ::recv(fd_, block, sizeof block, MSG_DONTWAIT);
        if (n <= 0) return;  // the client closed (or the socket failed): done
        drained += static_cast<size_t>(n);
    }
}

void TcpSocket::shutdown() {
    ::shutdown(fd_, SHUT_RDWR);
}

bool TcpSocket::peer_closed() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLHUP | POLLERR)) != 0) return true;
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

}  // namespace tripstream::http
