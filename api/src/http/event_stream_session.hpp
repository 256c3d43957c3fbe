// One Server-Sent Events subscriber after its response head: writes what its EventFeed has
// whenever the feed signals news, at most one write in flight (a change that arrives meanwhile
// is taken from the feed, at its newest, once the write ends: a slow reader skips to the
// latest, nothing queues), a keep-alive comment after 15 s of silence, and a dropped
// connection when the client takes no bytes for write_timeout or goes away.
//
// Streams run on their own event loop, whose thread runs at a lower priority (nice 10): the
// writes of one status change to 10,000 subscribers yield the CPU to requests.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "server_state.hpp"
#include "tripstream/http/event_feed.hpp"

namespace tripstream::http {

class EventStreamSession final : public Connection,
                                 public std::enable_shared_from_this<EventStreamSession> {
  public:
    EventStreamSession(ServerState& server, boost::beast::tcp_stream stream,
                       std::unique_ptr<ConnectionLimiter::Slot> slot,
                       std::shared_ptr<EventFeed> feed);
    ~EventStreamSession() override;

    // Writes the response head, then the feed's first frames.
    void start();
    void server_stopping(bool force) override;

  private:
    using Clock = std::chrono::steady_clock;

    void on_notify();
    void pull();
    void write(std::vector<SseFrame> frames, bool last);
    void watch_client();
    void schedule_keep_alive();
    void schedule_pull(std::chrono::milliseconds after);
    void close();

    ServerState& server_;
    boost::beast::tcp_stream stream_;
    std::unique_ptr<ConnectionLimiter::Slot> slot_;
    std::shared_ptr<EventFeed> feed_;
    uint64_t live_id_ = 0;
    boost::asio::steady_timer keep_alive_;
    boost::asio::steady_timer pull_later_;  // FeedBatch::next_after
    std::vector<SseFrame> in_flight_;
    std::array<char, 512> discard_{};
    Clock::time_point last_write_;
    bool started_ = false;
    bool writing_ = false;
    bool closed_ = false;
};

}  // namespace tripstream::http
