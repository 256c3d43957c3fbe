#include "event_stream_session.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "tripstream/http/http_date.hpp"

namespace tripstream::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds kKeepAlive{15};

SseFrame response_head() {
    return std::make_shared<const std::string>(
        "HTTP/1.1 200 OK\r\nServer: tripstream\r\nDate: " + http_date_now() +
        "\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n");
}

const SseFrame& keep_alive_frame() {
    static const SseFrame frame = std::make_shared<const std::string>(sse_comment("keep-alive"));
    return frame;
}

}  // namespace

EventStreamSession::EventStreamSession(ServerState& server, beast::tcp_stream stream,
                                       std::unique_ptr<ConnectionLimiter::Slot> slot,
                                       std::shared_ptr<EventFeed> feed)
    : server_(server),
      stream_(std::move(stream)),
      slot_(std::move(slot)),
      feed_(std::move(feed)),
      keep_alive_(stream_.get_executor()),
      pull_later_(stream_.get_executor()) {}

EventStreamSession::~EventStreamSession() {
    if (live_id_ != 0) server_.remove_live(live_id_);
}

void EventStreamSession::start() {
    live_id_ = server_.add_live(weak_from_this());
    if (server_.stopping) return close();
    std::weak_ptr<EventStreamSession> weak = weak_from_this();
    feed_->start([weak] {
        if (auto self = weak.lock())
            asio::post(self->stream_.get_executor(), [self] { self->on_notify(); });
    });
    started_ = true;
    // The head, then whatever the feed has now (its current state, at once).
    write({response_head()}, false);
    stream_.expires_never();  // the write is pending: this clears only the read's deadline
    watch_client();
    schedule_keep_alive();
}

void EventStreamSession::server_stopping(bool) {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void EventStreamSession::on_notify() {
    if (closed_ || writing_) return;  // the write's end pulls anyway
    pull();
}

void EventStreamSession::pull() {
    if (closed_ || writing_) return;
    FeedBatch batch = feed_->next();
    if (batch.next_after) schedule_pull(*batch.next_after);
    if (batch.frames.empty()) {
        if (batch.finished) close();
        return;
    }
    write(std::move(batch.frames), batch.finished);
}

void EventStreamSession::write(std::vector<SseFrame> frames, bool last) {
    writing_ = true;
    in_flight_ = std::move(frames);
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(in_flight_.size());
    for (const auto& frame : in_flight_)
        buffers.emplace_back(asio::buffer(*frame));
    // Only the write direction: the read watching for the client's close has no deadline.
    stream_.expires_after(server_.options.write_timeout);
    asio::async_write(stream_, buffers,
                      [self = shared_from_this(), last](beast::error_code ec, size_t) {
                          self->writing_ = false;
                          self->in_flight_.clear();
                          if (ec || last) return self->close();
                          self->last_write_ = Clock::now();
                          self->pull();  // what changed while writing, at its newest
                      });
}

// A subscriber only reads; anything it sends is discarded, and its close (or a reset) ends
// the stream at once rather than at the next write.
void EventStreamSession::watch_client() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->close();
                                self->watch_client();
                            });
}

void EventStreamSession::schedule_keep_alive() {
    keep_alive_.expires_after(kKeepAlive);
    keep_alive_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->closed_) return;
        if (!self->writing_ && Clock::now() - self->last_write_ >= kKeepAlive)
            self->write({keep_alive_frame()}, false);
        self->schedule_keep_alive();
    });
}

// The feed holds news back until then; an earlier pull (a notification, a write's end) does
// no harm: the feed decides again each time.
void EventStreamSession::schedule_pull(std::chrono::milliseconds after) {
    pull_later_.expires_after(after);
    pull_later_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->pull();
    });
}

void EventStreamSession::close() {
    if (closed_) return;
    closed_ = true;
    if (started_) feed_->stop();
    keep_alive_.cancel();
    pull_later_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
}

}  // namespace tripstream::http
