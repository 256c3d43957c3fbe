// One client connection while it sends requests: reads each request head against its
// deadline, checks it (request_rules), routes it, reads a small body whole or hands an
// upload's body to its handler as a stream, runs the handler off the event loop, and writes
// the answer. An answer that is an event stream hands the socket to an EventStreamSession.
// Every step runs on the connection's strand; only the handlers run elsewhere.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "server_state.hpp"
#include "tripstream/http/http_message.hpp"
#include "tripstream/http/request_rules.hpp"

namespace tripstream::http {

class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(ServerState& server, boost::asio::ip::tcp::socket socket,
                std::unique_ptr<ConnectionLimiter::Slot> slot);
    ~HttpSession() override;

    void start();
    void server_stopping(bool force) override;

    // For an upload's handler thread: reads up to `size` body bytes, blocking until some
    // arrive; 0 at the end of the body. Throws BodyTimeout, IoError.
    size_t read_body_blocking(char* data, size_t size);

  private:
    using Clock = std::chrono::steady_clock;
    struct BodyRead {
        size_t bytes = 0;
        boost::beast::error_code error;
        bool too_slow = false;  // below body_min_rate
    };

    void wait_for_request();
    void read_head();
    void parse_head();
    void refuse_head(HeadViolation violation);
    void on_head(boost::beast::error_code ec);
    void on_head_error(boost::beast::error_code ec);
    void route_request();
    void read_whole_body();
    void on_body_part(boost::beast::error_code ec);
    void dispatch_buffered();
    void dispatch_upload();
    void send_continue_then(std::function<void()> next);
    void read_body_some(char* data, size_t size, std::function<void(BodyRead)> done);
    void arm_deadline(std::chrono::milliseconds after);
    bool disarm_deadline();
    void answer(HttpResponse response);
    void write_response(HttpResponse response, bool keep_alive);
    void on_written(boost::beast::error_code ec, bool keep_alive);
    void start_event_stream(std::shared_ptr<EventFeed> feed);
    void refuse(HttpResponse response);
    void close_after_answer();
    void drain();
    void close_now();

    ServerState& server_;
    boost::beast::tcp_stream stream_;
    std::unique_ptr<ConnectionLimiter::Slot> slot_;
    boost::asio::steady_timer deadline_;
    uint64_t deadline_generation_ = 0;
    bool timed_out_ = false;
    uint64_t live_id_ = 0;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> head_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> body_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> upload_;
    std::optional<BusyRequest> busy_;
    HttpRequest request_;
    const Route* route_ = nullptr;
    Clock::time_point started_;
    Clock::time_point body_started_;
    uint64_t body_bytes_ = 0;
    bool head_bytes_checked_ = false;
    bool expects_continue_ = false;
    bool client_keep_alive_ = false;
    bool body_complete_ = false;
    bool idle_ = true;
    bool stop_requested_ = false;
    bool closed_ = false;
    size_t drained_ = 0;
    std::array<char, 4096> discard_{};
    boost::beast::http::response<boost::beast::http::string_body> response_;
};

}  // namespace tripstream::http
