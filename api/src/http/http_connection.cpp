#include "tripstream/http/http_connection.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <limits>
#include <optional>

#include "tripstream/http/problem.hpp"
#include "tripstream/http/query_string.hpp"

namespace tripstream::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

constexpr uint32_t kHeaderLimit = 16 * 1024;

// The body of the current request, read from the socket as the handler asks for it.
class StreamedBody final : public ByteSource {
  public:
    StreamedBody(TcpSocket& socket, beast::flat_buffer& buffer, Parser& parser, uint64_t limit,
                 bool expects_continue)
        : socket_(socket),
          buffer_(buffer),
          parser_(parser),
          limit_(limit),
          expects_continue_(expects_continue) {}

    size_t read(char* data, size_t size) override {
        if (!started_) start();
        while (!parser_.is_done()) {
            parser_.get().body().data = data;
            parser_.get().body().size = size;
            boost::system::error_code ec;
            bhttp::read_some(socket_, buffer_, parser_, ec);
            if (ec == bhttp::error::need_buffer) ec = {};
            if (ec) throw IoError("reading the request body: " + ec.message());
            const size_t n = size - parser_.get().body().size;
            read_ += n;
            if (read_ > limit_) throw BodyTooLarge(limit_);
            if (n > 0) return n;
        }
        return 0;
    }
    bool rewind() override { return false; }
    const std::string& name() const override { return name_; }
    bool complete() const { return parser_.is_done(); }

  private:
    void start() {
        started_ = true;
        // Refuse a declared oversize body before reading (or inviting) any of it.
        if (const auto length = parser_.content_length(); length && *length > limit_) {
            throw BodyTooLarge(limit_);
        }
        if (expects_continue_ && !parser_.is_done()) {
            socket_.write_all("HTTP/1.1 100 Continue\r\n\r\n");
        }
    }

    TcpSocket& socket_;
    beast::flat_buffer& buffer_;
    Parser& parser_;
    uint64_t limit_;
    bool expects_continue_;
    bool started_ = false;
    uint64_t read_ = 0;
    std::string name_ = "request body";
};

class SocketEventStream final : public EventStream {
  public:
    SocketEventStream(TcpSocket& socket, const std::atomic<bool>& stopping)
        : socket_(socket), stopping_(stopping) {}

    bool send(std::string_view event, std::string_view data) override {
        std::string frame;
        if (!event.empty()) frame.append("event: ").append(event).append("\n");
        size_t start = 0;
        for (;;) {
            const size_t nl = data.find('\n', start);
            frame.append("data: ").append(data.substr(start, nl - start)).append("\n");
            if (nl == std::string_view::npos) break;
            start = nl + 1;
        }
        frame.append("\n");
        return write(frame);
    }
    bool comment(std::string_view text) override {
        return write(std::string(": ").append(text).append("\n\n"));
    }
    bool client_gone() override { return gone_ || socket_.peer_closed(); }
    bool stopping() const override { return stopping_.load(); }

  private:
    bool write(const std::string& frame) {
        if (gone_ || stopping_.load()) return false;
        gone_ = !socket_.write_all(frame);
        return !gone_;
    }

    TcpSocket& socket_;
    const std::atomic<bool>& stopping_;
    bool gone_ = false;
};

class ConnectionExchange final : public HttpExchange {
  public:
    ConnectionExchange(HttpRequest request, StreamedBody& body, TcpSocket& socket,
                       const std::atomic<bool>& stopping)
        : request_(std::move(request)), body_(body), socket_(socket), stopping_(stopping) {}

    const HttpRequest& request() const override { return request_; }
    ByteSource& body() override { return body_; }
    EventStream& start_event_stream() override {
        if (!stream_) {
            socket_.write_all(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n");
            stream_.emplace(socket_, stopping_);
        }
        return *stream_;
    }
    bool streamed() const { return stream_.has_value(); }

  private:
    HttpRequest request_;
    StreamedBody& body_;
    TcpSocket& socket_;
    const std::atomic<bool>& stopping_;
    std::optional<SocketEventStream> stream_;
};

HttpRequest request_from(const Parser& parser) {
    const auto& message = parser.get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
        request.headers[std::string(field.name_string())] = std::string(field.value());
    }
    return request;
}

bool write_response(TcpSocket& socket, const HttpResponse& response, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), 11};
    res.set(bhttp::field::server, "tripstream");
    res.set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers)
        res.set(name, value);
    res.body() = response.body;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    boost::system::error_code ec;
    bhttp::write(socket, res, ec);
    return !ec;
}

// Runs the matched handler; every failure becomes a response, never an escaped exception.
HttpResponse run_handler(const Route& route, ConnectionExchange& exchange, const Logger& log) {
    try {
        return route.handler(exchange);
    } catch (const BodyTooLarge& e) {
        return problem(413, e.what(), "body");
    } catch (const std::exception& e) {
        log.error(cat(exchange.request().method, " ", exchange.request().target, ": ", e.what()));
        return problem(500, "internal error (logged by the server)");
    }
}

}  // namespace

void serve_connection(TcpSocket& socket, ConnectionContext context) {
    beast::flat_buffer buffer;
    while (!context.stopping.load()) {
        Parser parser;
        parser.header_limit(kHeaderLimit);
        // StreamedBody enforces the route's limit. Not boost::none: Boost 1.74 compares the
        // Content-Length with the optional limit, and every value is greater than none.
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        context.idle = true;
        boost::system::error_code ec;
        bhttp::read_header(socket, buffer, parser, ec);
        context.idle = false;
        if (ec == bhttp::error::header_limit) {
            write_response(socket, problem(431, "request header larger than 16 KiB"), false);
            return;
        }
        if (ec == bhttp::error::need_buffer) ec = {};  // the header is done, body bytes wait
        if (ec) {
            // Closed, timed out, or garbage: nothing sensible to answer.
            context.log.debug(cat("connection from ", socket.peer(), ": ", ec.message()));
            return;
        }
        const auto started = std::chrono::steady_clock::now();

        HttpRequest request = request_from(parser);
        std::string bad;
        const auto target = parse_target(request.target, bad);
        RouteMatch match;
        if (target) {
            request.path = target->path;
            request.query = target->query;
            match = context.router.match(request.method, request.path);
        }
        const Route* route = target ? match.route : nullptr;
        request.route = route != nullptr ? route->pattern : "unmatched";
        request.path_params = match.params;
        const bool expects_continue =
            beast::iequals(request.header("Expect").value_or(""), "100-continue");
        StreamedBody body(socket, buffer, parser, route != nullptr ? route->body_limit : 0,
                          expects_continue);
        ConnectionExchange exchange(std::move(request), body, socket, context.stopping);

        HttpResponse response;
        if (!target) {
            response = problem(400, "malformed percent-encoding in " + bad, bad);
        } else if (route == nullptr && match.status == 405) {
            response = problem(405, "method " + exchange.request().method + " is not allowed on " +
                                        exchange.request().path);
            response.headers.emplace_back("Allow", match.allow);
        } else if (route == nullptr) {
            response = problem(404, "no route for " + exchange.request().path);
        } else {
            response = run_handler(*route, exchange, context.log);
        }
        const auto& req = exchange.request();
        if (exchange.streamed()) {
            context.metrics.record(req.route, req.method, 200,
                                   std::chrono::steady_clock::now() - started);
            return;  // an event stream ends its connection
        }
        // A body the handler did not read to the end cannot be skipped safely: close.
        const bool keep_alive = parser.keep_alive() && body.complete() && !context.stopping.load();
        const bool written = write_response(socket, response, keep_alive);
        context.metrics.record(req.route, req.method, response.status,
                               std::chrono::steady_clock::now() - started);
        if (!written || !keep_alive) return;
    }
}

}  // namespace tripstream::http
