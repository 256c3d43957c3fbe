// Many concurrent Server-Sent Events subscribers, for benchmarks/api/run: opens N connections
// to an event-stream route (plain POSIX sockets, non-blocking, one thread, poll), checks that
// each gets "HTTP/1.1 200" and then its first "event: status", holds them all for the given
// time, and counts the events each one receives. Prints one JSON line on stdout:
//
//   {"clients":1000,"connected":1000,"failed":0,"closed_early":0,"events":5012,"bytes":..,
//    "events_min":5,"events_median":5,"events_max":6,"clients_with_later_events":1000,
//    "first_event_ms_p50":..,"first_event_ms_p99":..,"first_event_ms_max":..,"all_connected_s":..}
//
// connected = 200 and a first `event: status`; failed = refused, not 200, or closed before
// the first event; closed_early = connected but closed by the server before the end;
// clients_with_later_events = clients that received at least one event after their first
// (pushed by a status change while they were held).
//
//   tripstream-sse-clients --port 8080 [--host 127.0.0.1] [--clients 1000]
//                          [--duration 30] [--path /v1/ingestion/events] [--connect-rate 500]
//                          [--ready-file FILE]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

enum class State { connecting, sending, header, streaming, failed, closed };

struct Client {
    int fd = -1;
    State state = State::connecting;
    std::string out;  // request bytes not yet written
    std::string in;   // received bytes not yet parsed (header, or a partial line)
    Clock::time_point started;
    double first_event_ms = -1;
    int events = 0;
    long bytes = 0;  // after the response header
    std::string failure;
};

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

void fail(Client& c, std::string why) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.state = State::failed;
    c.failure = std::move(why);
}

// Counts complete "event: " lines in the stream (comments and data lines are skipped).
void parse_stream(Client& c, Clock::time_point now) {
    size_t start = 0;
    for (;;) {
        const size_t nl = c.in.find('\n', start);
        if (nl == std::string::npos) break;
        if (c.in.compare(start, 7, "event: ") == 0) {
            if (c.events == 0) {
                if (c.in.compare(start, nl - start, "event: status") != 0) {
                    fail(c, "first event is not 'status'");
                    return;
                }
                c.first_event_ms = ms_between(c.started, now);
            }
            ++c.events;
        }
        start = nl + 1;
    }
    c.in.erase(0, start);
}

void on_readable(Client& c, Clock::time_point now) {
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) {
            c.in.append(buf, static_cast<size_t>(n));
            c.bytes += n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0 && errno == EINTR) continue;
        // Closed by the server (or reset).
        if (c.events == 0) {
            fail(c, c.state == State::header ? "closed before the response header"
                                             : "closed before the first event");
        } else {
            ::close(c.fd);
            c.fd = -1;
            c.state = State::closed;
        }
        return;
    }
    if (c.state == State::header) {
        const size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) return;
        if (c.in.compare(0, 13, "HTTP/1.1 200 ") != 0) {
            fail(c, "status line: " + c.in.substr(0, c.in.find("\r\n")));
            return;
        }
        c.in.erase(0, end + 4);
        c.state = State::streaming;
    }
    if (c.state == State::streaming) parse_stream(c, now);
}

void on_writable(Client& c) {
    if (c.state == State::connecting) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
            fail(c, std::string("connect: ") + std::strerror(error));
            return;
        }
        c.state = State::sending;
    }
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR) continue;
            fail(c, std::string("send: ") + std::strerror(errno));
            return;
        }
        c.out.erase(0, static_cast<size_t>(n));
    }
    c.state = State::header;
}

bool open_client(Client& c, const sockaddr_in& addr, const std::string& request) {
    c.started = Clock::now();
    c.out = request;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(c, std::string("socket: ") + std::strerror(errno));
        return false;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
        fail(c, std::string("connect: ") + std::strerror(errno));
        return false;
    }
    return true;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"holds N Server-Sent Events subscribers and counts their events"};
    std::string host = "127.0.0.1";
    int port = 8080;
    int clients = 1000;
    double duration_s = 30;
    std::string path = "/v1/ingestion/events";
    std::string api_key;
    int connect_rate = 500;
    std::string ready_file;
    app.add_option("--host", host, "IPv4 address of the API");
    app.add_option("--port", port, "port of the API")->required();
    app.add_option("--clients", clients, "subscribers")->check(CLI::Range(1, 100000));
    app.add_option("--duration", duration_s, "seconds to hold the streams after all are open");
    app.add_option("--path", path, "event-stream route");
    app.add_option("--api-key", api_key, "sent as Authorization: Bearer (when the API has one)");
    app.add_option("--connect-rate", connect_rate, "new connections per second while opening");
    app.add_option("--ready-file", ready_file,
                   "written (with the connected count) once every client has its first event or "
                   "has failed");
    CLI11_PARSE(app, argc, argv);

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
        std::fprintf(stderr, "bad --host %s (an IPv4 address)\n", host.c_str());
        return 2;
    }
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                          std::to_string(port) + "\r\nAccept: text/event-stream\r\n";
    if (!api_key.empty()) request += "Authorization: Bearer " + api_key + "\r\n";
    request += "\r\n";

    std::vector<Client> all(static_cast<size_t>(clients));
    const auto t0 = Clock::now();
    size_t opened = 0;
    bool all_settled = false;
    double all_connected_s = -1;
    Clock::time_point hold_until = Clock::time_point::max();
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (;;) {
        const auto now = Clock::now();
        // Open connections at the configured rate.
        const auto due = static_cast<size_t>(std::min<double>(
            clients, 1 + std::chrono::duration<double>(now - t0).count() * connect_rate));
        while (opened < due)
            open_client(all[opened++], addr, request);

        if (!all_settled && opened == all.size()) {
            const bool settled = std::all_of(all.begin(), all.end(), [](const Client& c) {
                return c.state == State::failed || c.state == State::closed || c.events > 0;
            });
            if (settled) {
                all_settled = true;
                all_connected_s = std::chrono::duration<double>(now - t0).count();
                hold_until =
                    now + std::chrono::milliseconds(static_cast<int64_t>(duration_s * 1000));
                const auto ok = std::count_if(all.begin(), all.end(),
                                              [](const Client& c) { return c.events > 0; });
                std::fprintf(stderr,
                             "sse-clients: %ld of %d connected after %.1f s; holding %.0f s\n",
                             static_cast<long>(ok), clients, all_connected_s, duration_s);
                if (!ready_file.empty()) std::ofstream(ready_file) << ok << "\n";
            }
        }
        if (now >= hold_until) break;
        // Give up settling after a minute (counted as failures below).
        if (!all_settled &&
            now - t0 > std::chrono::seconds(60) +
                           std::chrono::milliseconds(1000 * clients / connect_rate)) {
            for (auto& c : all)
                if (c.events == 0 && c.state != State::failed)
                    fail(c, "no first event within 60 s");
            continue;
        }

        fds.clear();
        which.clear();
        for (size_t i = 0; i < opened; ++i) {
            Client& c = all[i];
            if (c.fd < 0) continue;
            short events = POLLIN;
            if (c.state == State::connecting || c.state == State::sending) events = POLLOUT;
            fds.push_back({c.fd, events, 0});
            which.push_back(i);
        }
        const int ready = ::poll(fds.data(), fds.size(), 20);
        if (ready < 0 && errno != EINTR) {
            std::perror("poll");
            return 1;
        }
        const auto at = Clock::now();
        for (size_t k = 0; ready > 0 && k < fds.size(); ++k) {
            if (fds[k].revents == 0) continue;
            Client& c = all[which[k]];
            if (fds[k].events & POLLOUT) {
                on_writable(c);
            } else {
                on_readable(c, at);
            }
        }
    }

    int connected = 0, failed = 0, closed_early = 0, later = 0;
    long total = 0;
    long bytes = 0;
    std::vector<double> counts;
    std::vector<double> first_ms;
    std::string first_failure;
    for (auto& c : all) {
        if (c.events > 0) {
            ++connected;
            total += c.events;
            counts.push_back(c.events);
            first_ms.push_back(c.first_event_ms);
            if (c.events > 1) ++later;
            if (c.state == State::closed) ++closed_early;
        } else {
            ++failed;
            if (first_failure.empty())
                first_failure = c.failure.empty() ? "no first event" : c.failure;
        }
        bytes += c.bytes;
        if (c.fd >= 0) ::close(c.fd);
    }
    for (char& ch : first_failure)
        if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    std::printf(
        "{\"clients\":%d,\"connected\":%d,\"failed\":%d,\"closed_early\":%d,\"events\":%ld,"
        "\"bytes\":%ld,"
        "\"events_min\":%.0f,\"events_median\":%.0f,\"events_max\":%.0f,"
        "\"clients_with_later_events\":%d,\"first_event_ms_p50\":%.1f,\"first_event_ms_p99\":%.1f,"
        "\"first_event_ms_max\":%.1f,\"all_connected_s\":%.2f,\"first_failure\":\"%s\"}\n",
        clients, connected, failed, closed_early, total, bytes, percentile(counts, 0),
        percentile(counts, 0.5), percentile(counts, 1), later, percentile(first_ms, 0.5),
        percentile(first_ms, 0.99), percentile(first_ms, 1), all_connected_s,
        first_failure.c_str());
    return failed == 0 ? 0 : 1;
}
