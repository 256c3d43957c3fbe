#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace tripstream::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
    return fd;
}

void send_all(int fd, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("send failed (the server closed the connection)");
        sent += static_cast<size_t>(n);
    }
}

// Appends what arrives before `deadline`; false at the deadline or at the end of the stream.
bool receive(int fd, std::string& into, Clock::time_point deadline, bool& closed) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char block[65536];
    const ssize_t n = ::recv(fd, block, sizeof block, 0);
    if (n <= 0) {
        closed = true;
        return false;
    }
    into.append(block, static_cast<size_t>(n));
    return true;
}

std::string request_text(const HttpCall& call) {
    std::string text = call.method + " " + call.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : call.headers)
        text += name + ": " + value + "\r\n";
    if (!call.body.empty() || call.method == "POST")
        text += "Content-Length: " + std::to_string(call.body.size()) + "\r\n";
    text += "Connection: close\r\n\r\n";
    return text;
}

// Parses the status line and headers of `head` (up to the blank line).
void parse_head(const std::string& head, int& status, std::map<std::string, std::string>& headers) {
    const size_t line_end = head.find("\r\n");
    status = std::stoi(head.substr(head.find(' ') + 1, 3));
    size_t pos = line_end + 2;
    while (pos < head.size()) {
        const size_t end = head.find("\r\n", pos);
        const std::string line = head.substr(pos, end - pos);
        pos = end + 2;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        headers[lower(line.substr(0, colon))] = value;
    }
}

}  // namespace

std::string HttpResult::header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

HttpResult http_request(int port, const HttpCall& call, std::chrono::milliseconds timeout) {
    const int fd = connect_to(port);
    const auto deadline = Clock::now() + timeout;
    std::string data;
    bool closed = false;
    try {
        send_all(fd, request_text(call));
        send_all(fd, call.body);
    } catch (const std::exception&) {
        // The server may answer early (413) and close; read what it said.
    }
    while (!closed && receive(fd, data, deadline, closed)) {
    }
    ::close(fd);
    const size_t head_end = data.find("\r\n\r\n");
    if (head_end == std::string::npos)
        throw std::runtime_error(call.method + " " + call.target + ": no response");
    HttpResult result;
    parse_head(data.substr(0, head_end + 2), result.status, result.headers);
    result.body = data.substr(head_end + 4);
    if (!closed) throw std::runtime_error(call.method + " " + call.target + ": timed out");
    return result;
}

HttpResult http_get(int port, const std::string& target,
                    const std::map<std::string, std::string>& headers) {
    return http_request(port, HttpCall{"GET", target, headers, {}});
}

EventStreamReader::EventStreamReader(int port, const std::string& target,
                                     const std::map<std::string, std::string>& headers)
    : fd_(connect_to(port)) {
    HttpCall call{"GET", target, headers, {}};
    call.headers["Accept"] = "text/event-stream";
    send_all(fd_, request_text(call));
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(deadline)) throw std::runtime_error(target + ": no response header");
    }
    std::map<std::string, std::string> response_headers;
    parse_head(buffer_.substr(0, head_end + 2), status_, response_headers);
    content_type_ = response_headers["content-type"];
    buffer_.erase(0, head_end + 4);
}

EventStreamReader::~EventStreamReader() {
    ::close(fd_);
}

bool EventStreamReader::fill(Clock::time_point deadline) {
    return receive(fd_, buffer_, deadline, ended_);
}

std::optional<ServerSentEvent> EventStreamReader::next(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        size_t end;
        while ((end = buffer_.find("\n\n")) != std::string::npos) {
            const std::string block = buffer_.substr(0, end);
            buffer_.erase(0, end + 2);
            ServerSentEvent event{"message", ""};
            bool any_field = false;
            size_t pos = 0;
            while (pos <= block.size()) {
                size_t nl = block.find('\n', pos);
                if (nl == std::string::npos) nl = block.size();
                const std::string line = block.substr(pos, nl - pos);
                pos = nl + 1;
                if (line.empty()) continue;
                if (line[0] == ':') {
                    ++comments_;
                } else if (line.rfind("event: ", 0) == 0) {
                    event.event = line.substr(7);
                    any_field = true;
                } else if (line.rfind("data: ", 0) == 0) {
                    if (!event.data.empty()) event.data += "\n";
                    event.data += line.substr(6);
                    any_field = true;
                }
            }
            if (any_field) return event;
        }
        if (ended_ || !fill(deadline)) return std::nullopt;
    }
}

}  // namespace tripstream::test
