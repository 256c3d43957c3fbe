// Many concurrent Server-Sent Events subscribers, for benchmarks/api/run and
// benchmarks/api/http_layer_run: opens N connections to an event-stream route (plain POSIX
// sockets, non-blocking, one thread, epoll), checks that each gets "HTTP/1.1 200" and then its
// first "event: status", holds them all for the given time, and counts the events each one
// receives. Prints one JSON line on stdout:
//
//   {"clients":1000,"connected":1000,"failed":0,"closed_early":0,"events":5012,"bytes":..,
//    "events_min":5,"events_median":5,"events_max":6,"clients_with_later_events":1000,
//    "first_event_ms_p50":..,"first_event_ms_p99":..,"first_event_ms_max":..,"all_connected_s":..,
//    "first_failure":"..","failures":{"reason":count,..},
//    "marked":1,"statuses_seen":..,"reference_statuses":..,"after_mark_min":..,
//    "after_mark_median":..,"after_mark_max":..,"clients_missing_statuses":..,
//    "statuses_missed":..,"repeated_statuses":..}
//
// connected = 200 and a first `event: status`; failed = refused, not 200, or closed before
// the first event (`failures` counts the reasons); closed_early = connected but closed by the
// server before the end; clients_with_later_events = clients that received at least one event
// after their first (pushed by a status change while they were held).
//
// Every status a subscriber gets (`event: status` and its data lines) is fingerprinted (FNV-1a
// of the data). With --mark-file, the status events each subscriber receives after that file
// appears are compared (the caller creates it once every subscriber is connected and before
// it causes status changes): statuses_seen = distinct statuses received after the mark by any
// subscriber (what the server published, as far as anyone can tell); reference_statuses = the
// distinct statuses the first connected subscriber got after the mark; after_mark_* = status
// events per connected subscriber after the mark; clients_missing_statuses = connected
// subscribers that lack at least one of the statuses_seen; statuses_missed = the sum of what
// they lack; repeated_statuses = events that repeated the subscriber's previous status.
//
//   tripstream-sse-clients --port 8080 [--host 127.0.0.1] [--clients 1000]
//                          [--duration 30] [--path /v1/ingestion/events] [--connect-rate 500]
//                          [--ready-file FILE] [--mark-file FILE] [--stop-file FILE]
//                          [--bind-from 127.0.0.2 --bind-count 4]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

using Clock = std::chrono::steady_clock;

enum class State { connecting, sending, header, streaming, failed, closed };

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

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
    // The SSE frame being read: its event name and the fingerprint of its data lines.
    std::string frame_event;
    uint64_t frame_hash = kFnvOffset;
    bool in_frame = false;
    // Status fingerprints received after the mark, and how many events came before it.
    bool marked = false;
    int events_at_mark = 0;
    std::vector<uint64_t> after_mark;
    uint64_t last_status = 0;
    int repeated = 0;
};

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

void fail(Client& c, std::string why) {
    if (c.fd >= 0) ::close(c.fd);  // closing removes it from the epoll set
    c.fd = -1;
    c.state = State::failed;
    c.failure = std::move(why);
}

uint64_t fnv(uint64_t h, const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(p[i]);
        h *= kFnvPrime;
    }
    return h;
}

// A complete frame (its blank line seen): a `status` event is fingerprinted and kept.
void end_frame(Client& c) {
    if (c.in_frame && c.frame_event == "status") {
        if (c.last_status == c.frame_hash) ++c.repeated;
        c.last_status = c.frame_hash;
        if (c.marked) c.after_mark.push_back(c.frame_hash);
    }
    c.in_frame = false;
    c.frame_event.clear();
    c.frame_hash = kFnvOffset;
}

// Counts complete "event: " lines in the stream and fingerprints the data of each frame
// (comments are skipped).
void parse_stream(Client& c, Clock::time_point now) {
    size_t start = 0;
    for (;;) {
        const size_t nl = c.in.find('\n', start);
        if (nl == std::string::npos) break;
        const char* line = c.in.data() + start;
        const size_t len = nl - start;
        if (len == 0) {
            end_frame(c);
        } else if (len >= 7 && std::memcmp(line, "event: ", 7) == 0) {
            if (c.events == 0) {
                if (c.in.compare(start, len, "event: status") != 0) {
                    fail(c, "first event is not 'status'");
                    return;
                }
                c.first_event_ms = ms_between(c.started, now);
            }
            ++c.events;
            c.in_frame = true;
            c.frame_event.assign(line + 7, len - 7);
        } else if (len >= 6 && std::memcmp(line, "data: ", 6) == 0) {
            c.in_frame = true;
            c.frame_hash = fnv(c.frame_hash, line + 6, len - 6);
            c.frame_hash = fnv(c.frame_hash, "\n", 1);
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
            if (c.state == State::streaming) c.bytes += n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0 && errno == EINTR) continue;
        // Closed by the server (or reset): what arrived before still counts.
        if (c.state == State::streaming) parse_stream(c, now);
        if (c.state == State::failed) return;
        if (c.events == 0) {
            if (c.state == State::header && c.in.compare(0, 9, "HTTP/1.1 ") == 0 &&
                c.in.compare(0, 13, "HTTP/1.1 200 ") != 0) {
                fail(c, "status line: " + c.in.substr(0, c.in.find("\r\n")));
            } else {
                fail(c, c.state == State::header ? "closed before the response header"
                                                 : "closed before the first event");
            }
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
        c.bytes += static_cast<long>(c.in.size() - end - 4);
        c.in.erase(0, end + 4);
        c.state = State::streaming;
    }
    if (c.state == State::streaming) parse_stream(c, now);
}

// Returns true when the request is written (the socket then only needs reading).
bool on_writable(Client& c) {
    if (c.state == State::connecting) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
            fail(c, std::string("connect: ") + std::strerror(error));
            return false;
        }
        c.state = State::sending;
    }
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
            if (errno == EINTR) continue;
            fail(c, std::string("send: ") + std::strerror(errno));
            return false;
        }
        c.out.erase(0, static_cast<size_t>(n));
    }
    c.state = State::header;
    return true;
}

bool open_client(Client& c, size_t index, int epfd, const sockaddr_in& addr,
                 const std::vector<in_addr>& sources, const std::string& request) {
    c.started = Clock::now();
    c.out = request;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(c, std::string("socket: ") + std::strerror(errno));
        return false;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!sources.empty()) {
        // The port is chosen at connect(), per destination: many clients per address.
        setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr = sources[index % sources.size()];
        if (::bind(c.fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
            fail(c, std::string("bind: ") + std::strerror(errno));
            return false;
        }
    }
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
        fail(c, std::string("connect: ") + std::strerror(errno));
        return false;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = index;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
        fail(c, std::string("epoll_ctl: ") + std::strerror(errno));
        return false;
    }
    return true;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

std::string json_text(std::string s) {
    for (char& ch : s)
        if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    return s;
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
    std::string mark_file;
    std::string stop_file;
    std::string bind_from;
    int bind_count = 0;
    app.add_option("--host", host, "IPv4 address of the API");
    app.add_option("--port", port, "port of the API")->required();
    app.add_option("--clients", clients, "subscribers")->check(CLI::Range(1, 100000));
    app.add_option("--duration", duration_s,
                   "seconds to hold the streams after all are open (with --stop-file: at most)");
    app.add_option("--path", path, "event-stream route");
    app.add_option("--api-key", api_key, "sent as Authorization: Bearer (when the API has one)");
    app.add_option("--connect-rate", connect_rate, "new connections per second while opening")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--ready-file", ready_file,
                   "written (with the connected count) once every client has its first event or "
                   "has failed");
    app.add_option("--mark-file", mark_file,
                   "when this file appears, start comparing the statuses each subscriber gets");
    app.add_option("--stop-file", stop_file, "end the hold when this file appears");
    app.add_option("--bind-from", bind_from,
                   "first local IPv4 source address (e.g. 127.0.0.2); clients take --bind-count "
                   "consecutive addresses in turn");
    app.add_option("--bind-count", bind_count, "source addresses from --bind-from")
        ->check(CLI::Range(0, 254));
    CLI11_PARSE(app, argc, argv);

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
        std::fprintf(stderr, "bad --host %s (an IPv4 address)\n", host.c_str());
        return 2;
    }
    std::vector<in_addr> sources;
    if (!bind_from.empty()) {
        in_addr first{};
        if (inet_pton(AF_INET, bind_from.c_str(), &first) != 1) {
            std::fprintf(stderr, "bad --bind-from %s (an IPv4 address)\n", bind_from.c_str());
            return 2;
        }
        for (int i = 0; i < std::max(1, bind_count); ++i) {
            in_addr a{};
            a.s_addr = htonl(ntohl(first.s_addr) + static_cast<uint32_t>(i));
            sources.push_back(a);
        }
    }
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                          std::to_string(port) + "\r\nAccept: text/event-stream\r\n";
    if (!api_key.empty()) request += "Authorization: Bearer " + api_key + "\r\n";
    request += "\r\n";

    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        std::perror("epoll_create1");
        return 1;
    }
    std::vector<Client> all(static_cast<size_t>(clients));
    const auto t0 = Clock::now();
    size_t opened = 0;
    bool all_settled = false;
    bool marked = false;
    double all_connected_s = -1;
    Clock::time_point hold_until = Clock::time_point::max();
    Clock::time_point next_file_check = t0;
    std::vector<epoll_event> ready_events(4096);
    for (;;) {
        const auto now = Clock::now();
        // Open connections at the configured rate.
        const auto due = static_cast<size_t>(std::min<double>(
            clients, 1 + std::chrono::duration<double>(now - t0).count() * connect_rate));
        while (opened < due) {
            const size_t i = opened++;
            open_client(all[i], i, epfd, addr, sources, request);
        }

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
                             "sse-clients: %ld of %d connected after %.1f s; holding %.0f s%s\n",
                             static_cast<long>(ok), clients, all_connected_s, duration_s,
                             stop_file.empty() ? "" : " at most (or until the stop file)");
                if (!ready_file.empty()) std::ofstream(ready_file) << ok << "\n";
            }
        }
        if (now >= hold_until) break;
        if (now >= next_file_check) {
            next_file_check = now + std::chrono::milliseconds(50);
            if (!marked && all_settled && file_exists(mark_file)) {
                marked = true;
                for (auto& c : all) {
                    c.marked = true;
                    c.events_at_mark = c.events;
                }
                std::fprintf(stderr, "sse-clients: mark\n");
            }
            if (all_settled && file_exists(stop_file)) break;
        }
        // Give up settling after a minute (counted as failures below).
        if (!all_settled &&
            now - t0 > std::chrono::seconds(60) +
                           std::chrono::milliseconds(1000LL * clients / connect_rate)) {
            for (auto& c : all)
                if (c.events == 0 && c.state != State::failed)
                    fail(c, "no first event within 60 s");
            continue;
        }

        const int n = epoll_wait(epfd, ready_events.data(), static_cast<int>(ready_events.size()),
                                 opened < all.size() ? 2 : 20);
        if (n < 0 && errno != EINTR) {
            std::perror("epoll_wait");
            return 1;
        }
        const auto at = Clock::now();
        for (int k = 0; k < n; ++k) {
            Client& c = all[ready_events[k].data.u64];
            if (c.fd < 0) continue;
            if (c.state == State::connecting || c.state == State::sending) {
                if (on_writable(c)) {
                    epoll_event ev{};
                    ev.events = EPOLLIN | EPOLLRDHUP;
                    ev.data.u64 = ready_events[k].data.u64;
                    epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev);
                }
            } else {
                on_readable(c, at);
            }
        }
    }

    int connected = 0, failed = 0, closed_early = 0, later = 0, repeated = 0;
    long total = 0;
    long bytes = 0;
    std::vector<double> counts;
    std::vector<double> first_ms;
    std::vector<double> after_mark;
    std::string first_failure;
    std::map<std::string, int> failures;
    std::unordered_set<uint64_t> seen;
    for (auto& c : all) {
        if (c.events > 0) {
            ++connected;
            total += c.events;
            counts.push_back(c.events);
            first_ms.push_back(c.first_event_ms);
            if (c.events > 1) ++later;
            if (c.state == State::closed) ++closed_early;
            repeated += c.repeated;
            after_mark.push_back(static_cast<double>(c.after_mark.size()));
            seen.insert(c.after_mark.begin(), c.after_mark.end());
        } else {
            ++failed;
            const std::string why = c.failure.empty() ? "no first event" : c.failure;
            if (first_failure.empty()) first_failure = why;
            ++failures[json_text(why)];
        }
        bytes += c.bytes;
        if (c.fd >= 0) ::close(c.fd);
    }
    // Who lacks which of the statuses anyone received after the mark.
    int missing_clients = 0;
    long missed = 0;
    long reference = -1;
    for (auto& c : all) {
        if (c.events == 0) continue;
        std::unordered_set<uint64_t> mine(c.after_mark.begin(), c.after_mark.end());
        if (reference < 0) reference = static_cast<long>(mine.size());
        const long lack = static_cast<long>(seen.size()) - static_cast<long>(mine.size());
        if (lack > 0) {
            ++missing_clients;
            missed += lack;
        }
    }
    std::string failure_json;
    for (const auto& [why, count] : failures) {
        if (!failure_json.empty()) failure_json += ",";
        failure_json += "\"" + why + "\":" + std::to_string(count);
    }
    std::printf(
        "{\"clients\":%d,\"connected\":%d,\"failed\":%d,\"closed_early\":%d,\"events\":%ld,"
        "\"bytes\":%ld,"
        "\"events_min\":%.0f,\"events_median\":%.0f,\"events_max\":%.0f,"
        "\"clients_with_later_events\":%d,\"first_event_ms_p50\":%.1f,\"first_event_ms_p99\":%.1f,"
        "\"first_event_ms_max\":%.1f,\"all_connected_s\":%.2f,\"first_failure\":\"%s\","
        "\"failures\":{%s},\"marked\":%d,\"statuses_seen\":%zu,\"reference_statuses\":%ld,"
        "\"after_mark_min\":%.0f,\"after_mark_median\":%.0f,\"after_mark_max\":%.0f,"
        "\"clients_missing_statuses\":%d,\"statuses_missed\":%ld,\"repeated_statuses\":%d}\n",
        clients, connected, failed, closed_early, total, bytes, percentile(counts, 0),
        percentile(counts, 0.5), percentile(counts, 1), later, percentile(first_ms, 0.5),
        percentile(first_ms, 0.99), percentile(first_ms, 1), all_connected_s,
        json_text(first_failure).c_str(), failure_json.c_str(), marked ? 1 : 0, seen.size(),
        reference, percentile(after_mark, 0), percentile(after_mark, 0.5),
        percentile(after_mark, 1), missing_clients, missed, repeated);
    return failed == 0 ? 0 : 1;
}
