#include "http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <future>
#include <limits>

#include "event_stream_session.hpp"
#include "tripstream/http/http_date.hpp"
#include "tripstream/http/problem.hpp"
#include "tripstream/http/request_rules.hpp"

namespace tripstream::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr std::ptrdiff_t kMaxFields = 100;
// The most a parser may need to see at once: one header block, one chunk-size line with its
// extensions, one trailer. A line that never ends fills it and is refused, not buffered.
constexpr size_t kBufferLimit = kHeaderLimit + 1024;
constexpr size_t kReadChunk = 4096;
constexpr size_t kDrainLimit = 4 << 20;
constexpr std::chrono::milliseconds kDrainTime{2000};
constexpr std::chrono::milliseconds kDrainTimeStopping{100};

// An upload's body, read from the socket (through the connection's strand) as the handler
// asks for it; enforces the route's size limit.
class StreamedBody final : public ByteSource {
  public:
    StreamedBody(std::shared_ptr<HttpSession> session, uint64_t limit)
        : session_(std::move(session)), limit_(limit) {}
    size_t read(char* data, size_t size) override {
        const size_t n = session_->read_body_blocking(data, size);
        read_ += n;
        if (read_ > limit_) throw BodyTooLarge(limit_);
        return n;
    }
    bool rewind() override { return false; }
    const std::string& name() const override { return name_; }

  private:
    std::shared_ptr<HttpSession> session_;
    uint64_t limit_;
    uint64_t read_ = 0;
    std::string name_ = "request body";
};

class Exchange final : public HttpExchange {
  public:
    Exchange(HttpRequest request, std::unique_ptr<ByteSource> body)
        : request_(std::move(request)), body_(std::move(body)) {}
    const HttpRequest& request() const override { return request_; }
    ByteSource& body() override { return *body_; }

  private:
    HttpRequest request_;
    std::unique_ptr<ByteSource> body_;
};

// Runs the matched handler; every failure becomes a response, never an escaped exception.
HttpResponse run_handler(const Route& route, HttpExchange& exchange, const Logger& log) {
    try {
        return route.handler(exchange);
    } catch (const BodyTooLarge& e) {
        return problem(413, e.what(), "body");
    } catch (const BodyTimeout& e) {
        return problem(408, e.what(), "body");
    } catch (const IoError& e) {
        return problem(400, std::string("reading the request body failed: ") + e.what(), "body");
    } catch (const std::exception& e) {
        log.error(cat(exchange.request().method, " ", exchange.request().route, ": ", e.what()));
        return problem(500, "internal error (logged by the server)");
    }
}

template <typename Parser>
RequestHead head_of(const Parser& parser) {
    const auto& message = parser.get();
    RequestHead head;
    head.method = message.method_string();
    head.target = message.target();
    head.version = message.version();
    for (const auto& field : message)
        head.fields.push_back({field.name_string(), field.value()});
    return head;
}

template <typename Parser>
HttpRequest request_of(const Parser& parser, ParsedTarget target) {
    const auto& message = parser.get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.path = std::move(target.path);
    request.query = std::move(target.query);
    for (const auto& field : message)
        request.headers[std::string(field.name_string())] = std::string(field.value());
    return request;
}

// Beast's own refusals of a head, answered as request_rules answers the same faults.
HttpResponse parse_problem(const beast::error_code& ec) {
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
        return problem(431, "request header larger than 16 KiB");
    if (ec == bhttp::error::bad_content_length)
        return problem(400, "Content-Length is not one plain decimal", "Content-Length");
    if (ec == bhttp::error::bad_transfer_encoding) {
        return problem(400, "Transfer-Encoding must be a single final \"chunked\"",
                       "Transfer-Encoding");
    }
    if (ec == bhttp::error::bad_version)
        return problem(505, "only HTTP/1.0 and HTTP/1.1 are supported", "version");
    return problem(400, "malformed HTTP request: " + ec.message());
}

// A LF not preceded by CR before the end of the head (RFC 9112 §2.2 allows refusing it; a
// proxy that accepts it would split the head differently).
bool has_bare_lf(std::string_view bytes) {
    const size_t end = std::min(bytes.size(), bytes.find("\r\n\r\n"));
    for (size_t i = 0; i < end; ++i)
        if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) return true;
    return false;
}

bool is_timeout(const beast::error_code& ec) {
    return ec == beast::error::timeout;
}

}  // namespace

HttpSession::HttpSession(ServerState& server, tcp::socket socket,
                         std::unique_ptr<ConnectionLimiter::Slot> slot)
    : server_(server),
      stream_(std::move(socket)),
      slot_(std::move(slot)),
      deadline_(stream_.get_executor()),
      buffer_(kBufferLimit) {}

HttpSession::~HttpSession() {
    if (live_id_ != 0) server_.remove_live(live_id_);
}

void HttpSession::start() {
    live_id_ = server_.add_live(weak_from_this());
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    read_head();  // the first request's head is due within header_timeout of the connect
}

void HttpSession::server_stopping(bool force) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), force] {
        self->stop_requested_ = true;
        if (self->idle_ || force) self->close_now();
    });
}

// Between requests: waits up to keep_alive_timeout for the next one's first byte; the head
// deadline starts with that byte.
void HttpSession::wait_for_request() {
    idle_ = true;
    if (stop_requested_ || server_.stopping) return close_now();
    if (buffer_.size() > 0) return read_head();  // pipelined
    stream_.expires_after(server_.options.keep_alive_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                                if (ec) return self->close_now();  // idle, gone or stopping
                                self->buffer_.commit(n);
                                self->read_head();
                            });
}

void HttpSession::read_head() {
    head_.emplace();
    head_->header_limit(kHeaderLimit);
    // Limits are the route's, applied once it is known. Not boost::none: Boost 1.74 compares
    // the Content-Length with the optional limit, and every value is greater than none.
    head_->body_limit(std::numeric_limits<std::uint64_t>::max());
    head_bytes_checked_ = false;
    stream_.expires_never();
    arm_deadline(server_.options.header_timeout);
    parse_head();
}

// Beast's async_read_header, by hand: the raw bytes of the head must be seen (for obsolete
// line folding, which the parser unfolds silently) before the parser consumes them.
void HttpSession::parse_head() {
    if (buffer_.size() > 0) {
        const std::string_view bytes(static_cast<const char*>(buffer_.data().data()),
                                     buffer_.size());
        if (!head_bytes_checked_) {
            if (has_bare_lf(bytes)) {
                disarm_deadline();
                return refuse_head({400, "line ending without CR (bare LF)", "request line"});
            }
            if (const size_t end = bytes.find("\r\n\r\n"); end != std::string_view::npos) {
                head_bytes_checked_ = true;
                if (auto folded = check_obs_fold(bytes.substr(0, end + 4))) {
                    disarm_deadline();
                    return refuse_head(std::move(*folded));
                }
            }
        }
        beast::error_code ec;
        buffer_.consume(head_->put(buffer_.data(), ec));
        if (ec == bhttp::error::need_more) ec = {};
        if (ec || head_->is_header_done()) return on_head(ec);
    }
    if (buffer_.size() >= buffer_.max_size()) return on_head(bhttp::error::header_limit);
    const size_t room = std::min(kReadChunk, buffer_.max_size() - buffer_.size());
    stream_.async_read_some(buffer_.prepare(room),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                                self->buffer_.commit(n);
                                if (ec == asio::error::eof) {
                                    ec = self->head_->got_some() ? bhttp::error::partial_message
                                                                 : bhttp::error::end_of_stream;
                                }
                                if (ec) return self->on_head(ec);
                                self->parse_head();
                            });
}

void HttpSession::refuse_head(HeadViolation violation) {
    idle_ = false;
    started_ = Clock::now();
    busy_.emplace(server_);
    request_ = HttpRequest{};
    request_.route = "unmatched";
    refuse(problem(violation.status, violation.detail,
                   violation.parameter.empty() ? std::nullopt
                                               : std::optional<std::string>(violation.parameter)));
}

void HttpSession::on_head(beast::error_code ec) {
    if (disarm_deadline()) ec = beast::error::timeout;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return on_head_error(ec);
    idle_ = false;
    started_ = Clock::now();
    client_keep_alive_ = head_->keep_alive();
    body_complete_ = head_->is_done();
    if (std::distance(head_->get().begin(), head_->get().end()) > kMaxFields) {
        return refuse_head({431, "more than " + std::to_string(kMaxFields) + " header fields", ""});
    }
    busy_.emplace(server_);
    CheckedHead checked = check_request_head(head_of(*head_));
    if (checked.violation) return refuse_head(std::move(*checked.violation));
    request_ = request_of(*head_, std::move(checked.target));
    route_request();
}

void HttpSession::on_head_error(beast::error_code ec) {
    idle_ = false;
    request_ = HttpRequest{};
    request_.route = "unmatched";
    started_ = Clock::now();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted || closed_)
        return close_now();  // closed between requests, or the server is stopping
    busy_.emplace(server_);
    if (is_timeout(ec)) {
        return refuse(problem(408, "the request head did not arrive within " +
                                       std::to_string(server_.options.header_timeout.count()) +
                                       " ms"));
    }
    if (ec == bhttp::error::partial_message || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
        return close_now();  // the client went away mid-head: nobody to answer
    }
    refuse(parse_problem(ec));
}

void HttpSession::route_request() {
    const RouteMatch match = server_.router.match(request_.method, request_.path);
    route_ = match.route;
    request_.route = route_ != nullptr ? route_->pattern : "unmatched";
    request_.path_params = match.params;
    if (route_ == nullptr && match.status == 405) {
        HttpResponse response =
            problem(405, "method " + request_.method + " is not allowed on " + request_.path);
        response.headers.emplace_back("Allow", match.allow);
        return answer(std::move(response));
    }
    if (route_ == nullptr) return answer(problem(404, "no route for " + request_.path));
    expects_continue_ = beast::iequals(request_.header("Expect").value_or(""), "100-continue");
    if (const auto length = head_->content_length(); length && *length > route_->body_limit) {
        return refuse(problem(
            413, "request body exceeds " + std::to_string(route_->body_limit) + " bytes", "body"));
    }
    if (route_->streams_body) return dispatch_upload();
    if (head_->is_done()) return dispatch_buffered();
    body_.emplace(std::move(*head_));
    body_->body_limit(route_->body_limit);
    body_started_ = Clock::now();
    body_bytes_ = 0;
    if (expects_continue_) return send_continue_then([this] { read_whole_body(); });
    read_whole_body();
}

// Deadlines the session answers when they expire (408): Beast's own stream timeout would
// close the socket first. The timer cancels the read in progress and leaves the socket open.
void HttpSession::arm_deadline(std::chrono::milliseconds after) {
    timed_out_ = false;
    deadline_.expires_after(after);
    deadline_.async_wait(
        [self = shared_from_this(), generation = ++deadline_generation_](beast::error_code ec) {
            if (ec || generation != self->deadline_generation_) return;
            self->timed_out_ = true;
            beast::error_code ignored;
            self->stream_.socket().cancel(ignored);
        });
}

// Stops the deadline; true when it had already expired (the read was cancelled by it).
bool HttpSession::disarm_deadline() {
    ++deadline_generation_;
    deadline_.cancel();
    return std::exchange(timed_out_, false);
}

void HttpSession::read_whole_body() {
    stream_.expires_never();
    arm_deadline(server_.options.body_idle_timeout);
    bhttp::async_read_some(
        stream_, buffer_, *body_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body_part(ec); });
}

namespace {

// Whether a body that has run `elapsed` with `bytes` is too slow (408).
bool too_slow(const HttpServerOptions& options, std::chrono::steady_clock::duration elapsed,
              uint64_t bytes) {
    if (options.body_min_rate == 0 || elapsed < options.body_idle_timeout) return false;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    return static_cast<double>(bytes) / seconds < static_cast<double>(options.body_min_rate);
}

HttpResponse body_problem(const beast::error_code& ec, const HttpServerOptions& options,
                          uint64_t limit) {
    if (ec == bhttp::error::body_limit)
        return problem(413, "request body exceeds " + std::to_string(limit) + " bytes", "body");
    if (ec == beast::error::timeout) {
        return problem(408,
                       "the request body sent nothing for " +
                           std::to_string(options.body_idle_timeout.count()) + " ms",
                       "body");
    }
    return problem(400, "malformed request body: " + ec.message(), "body");
}

}  // namespace

void HttpSession::on_body_part(beast::error_code ec) {
    if (disarm_deadline()) ec = beast::error::timeout;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec == bhttp::error::partial_message || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == asio::error::operation_aborted) {
        return close_now();
    }
    if (ec) return refuse(body_problem(ec, server_.options, route_->body_limit));
    body_bytes_ = body_->get().body().size();
    body_complete_ = body_->is_done();
    if (body_complete_) return dispatch_buffered();
    if (too_slow(server_.options, Clock::now() - body_started_, body_bytes_)) {
        return refuse(problem(408,
                              "the request body arrives slower than " +
                                  std::to_string(server_.options.body_min_rate) + " bytes/s",
                              "body"));
    }
    read_whole_body();
}

void HttpSession::dispatch_buffered() {
    std::string body = body_ ? std::move(body_->get().body()) : std::string();
    auto exchange = std::make_shared<Exchange>(
        std::move(request_),
        std::make_unique<StringSource>(std::move(body), SIZE_MAX, "request body"));
    auto work = [self = shared_from_this(), exchange] {
        HttpResponse response = run_handler(*self->route_, *exchange, self->server_.log);
        asio::post(self->stream_.get_executor(),
                   [self, exchange, response = std::move(response)]() mutable {
                       self->request_ = exchange->request();
                       self->answer(std::move(response));
                   });
    };
    asio::post(server_.workers, std::move(work));
}

void HttpSession::dispatch_upload() {
    if (server_.uploads.fetch_add(1) >= server_.options.max_concurrent_uploads) {
        --server_.uploads;
        HttpResponse busy = problem(429, "too many uploads in progress; retry later");
        busy.headers.emplace_back("Retry-After", "5");
        return refuse(std::move(busy));
    }
    upload_.emplace(std::move(*head_));
    body_started_ = Clock::now();
    body_bytes_ = 0;
    auto exchange = std::make_shared<Exchange>(
        request_, std::make_unique<StreamedBody>(shared_from_this(), route_->body_limit));
    asio::post(server_.uploads_pool, [self = shared_from_this(), exchange] {
        HttpResponse response = run_handler(*self->route_, *exchange, self->server_.log);
        --self->server_.uploads;
        asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
            self->answer(std::move(response));
        });
    });
}

void HttpSession::send_continue_then(std::function<void()> next) {
    expects_continue_ = false;
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(server_.options.write_timeout);
    asio::async_write(
        stream_, asio::buffer(kContinue),
        [self = shared_from_this(), next = std::move(next)](beast::error_code ec, size_t) {
            if (ec) return self->close_now();
            next();
        });
}

size_t HttpSession::read_body_blocking(char* data, size_t size) {
    auto promise = std::make_shared<std::promise<BodyRead>>();
    auto result = promise->get_future();
    asio::post(stream_.get_executor(), [self = shared_from_this(), data, size, promise] {
        self->read_body_some(data, size, [promise](BodyRead r) { promise->set_value(r); });
    });
    // A promise dropped unanswered (the server stopped) raises broken_promise here.
    BodyRead r;
    try {
        r = result.get();
    } catch (const std::future_error&) {
        throw IoError("the server is stopping");
    }
    if (r.too_slow) {
        throw BodyTimeout("the request body arrives slower than " +
                          std::to_string(server_.options.body_min_rate) + " bytes/s");
    }
    if (!r.error) return r.bytes;
    if (r.error == beast::error::timeout) {
        throw BodyTimeout("the request body sent nothing for " +
                          std::to_string(server_.options.body_idle_timeout.count()) + " ms");
    }
    if (r.error == bhttp::error::body_limit) throw BodyTooLarge(route_->body_limit);
    throw IoError(r.error.message());
}

void HttpSession::read_body_some(char* data, size_t size, std::function<void(BodyRead)> done) {
    if (expects_continue_ && !upload_->is_done()) {
        return send_continue_then([this, self = shared_from_this(), data, size, done] {
            read_body_some(data, size, done);
        });
    }
    if (closed_) return done({0, asio::error::eof, false});
    if (upload_->is_done()) return done({0, {}, false});
    if (too_slow(server_.options, Clock::now() - body_started_, body_bytes_))
        return done({0, {}, true});
    upload_->get().body().data = data;
    upload_->get().body().size = size;
    stream_.expires_never();
    arm_deadline(server_.options.body_idle_timeout);
    bhttp::async_read_some(
        stream_, buffer_, *upload_,
        [self = shared_from_this(), data, size, done](beast::error_code ec, size_t) {
            if (self->disarm_deadline()) ec = beast::error::timeout;
            if (ec == bhttp::error::need_buffer) ec = {};
            const size_t n = size - self->upload_->get().body().size;
            self->body_bytes_ += n;
            if (ec) return done({0, ec, false});
            if (n == 0 && !self->upload_->is_done()) return self->read_body_some(data, size, done);
            done({n, {}, false});
        });
}

void HttpSession::answer(HttpResponse response) {
    if (closed_) {
        busy_.reset();
        return;
    }
    if (response.events) return start_event_stream(std::move(response.events));
    // A body left unread cannot be skipped safely: close after this answer.
    if (upload_ && upload_->is_done()) body_complete_ = true;
    const bool keep_alive =
        client_keep_alive_ && body_complete_ && !stop_requested_ && !server_.stopping;
    write_response(std::move(response), keep_alive);
}

// An answer after which the connection closes: the request could not be read or was refused
// before its body was.
void HttpSession::refuse(HttpResponse response) {
    write_response(std::move(response), false);
}

void HttpSession::write_response(HttpResponse response, bool keep_alive) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(bhttp::field::server, "tripstream");
    response_.set(bhttp::field::date, http_date_now());
    response_.set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers)
        response_.set(name, value);
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    // HEAD: the GET answer's header, Content-Length included, and no body (RFC 9110 §9.3.2).
    if (request_.method == "HEAD") response_.body().clear();
    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                           self->on_written(ec, keep_alive);
                       });
}

void HttpSession::on_written(beast::error_code ec, bool keep_alive) {
    server_.metrics.record(request_.route, request_.method, response_.result_int(),
                           Clock::now() - started_);
    busy_.reset();
    body_.reset();
    upload_.reset();
    head_.reset();
    route_ = nullptr;
    if (ec) return close_now();
    if (!keep_alive) return close_after_answer();
    wait_for_request();
}

void HttpSession::start_event_stream(std::shared_ptr<EventFeed> feed) {
    server_.metrics.record(request_.route, request_.method, 200, Clock::now() - started_);
    busy_.reset();
    if (request_.method == "HEAD") {
        HttpResponse head = HttpResponse::text(200, "text/event-stream", "");
        head.headers.emplace_back("Cache-Control", "no-cache");
        return write_response(std::move(head), false);
    }
    // The stream moves to the streams' own event loop, whose thread runs at a lower priority:
    // a status change's thousands of writes then take the CPU the queries leave.
    beast::error_code ec;
    const auto protocol = stream_.socket().local_endpoint(ec).protocol();
    const auto fd = ec ? -1 : stream_.socket().release(ec);
    closed_ = true;  // the descriptor is the stream's now
    if (ec) return;  // the client is already gone
    tcp::socket socket(asio::make_strand(server_.streams_io), protocol, fd);
    auto session = std::make_shared<EventStreamSession>(
        server_, beast::tcp_stream(std::move(socket)), std::move(slot_), std::move(feed));
    session->start();
}

// Sends FIN after the answer, then reads and discards what the client still sends for a
// moment: closing a socket with unread bytes sends a reset, which can destroy an answer the
// client has not read yet (a 413 during an upload).
void HttpSession::close_after_answer() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(server_.stopping ? kDrainTimeStopping : kDrainTime);
    drain();
}

void HttpSession::drain() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                                self->drained_ += n;
                                if (ec || self->drained_ > kDrainLimit) return self->close_now();
                                self->drain();
                            });
}

void HttpSession::close_now() {
    if (closed_) return;
    closed_ = true;
    busy_.reset();
    disarm_deadline();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
}

}  // namespace tripstream::http
