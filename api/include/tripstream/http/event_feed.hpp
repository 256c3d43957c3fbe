// A Server-Sent Events stream as a handler hands it to the server. The server writes what
// next() returns whenever the feed signals news, so a subscriber costs no thread and no
// buffer beyond the frame being written: 10,000 subscribers are 10,000 small objects.
//
// Skip to the latest: next() describes the state now, not a queue of changes. A subscriber
// that was still writing when three changes came gets one frame with the newest state.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tripstream::http {

// Whole SSE frames, shared: one status change is serialised once and the same bytes are
// written to every subscriber.
using SseFrame = std::shared_ptr<const std::string>;

struct FeedBatch {
    std::vector<SseFrame> frames;  // in order; empty: nothing new
    bool finished = false;         // end the stream once `frames` are written
    // Call next() again after this long even if nothing notifies: a feed that holds news
    // back (at most so many events per second) says when it may send it.
    std::optional<std::chrono::milliseconds> next_after;
};

class EventFeed {
  public:
    virtual ~EventFeed() = default;
    // Called once, before the first next(). `notify` may be called from any thread whenever
    // next() may have something new; it must not be called once stop() has returned.
    virtual void start(std::function<void()> notify) = 0;
    // What to send now. Called by one thread at a time, never concurrently.
    virtual FeedBatch next() = 0;
    // Called once when the stream ends, whatever the reason (client gone, server stopping,
    // finished).
    virtual void stop() = 0;
};

// "event: <event>\ndata: <line>\n...\n\n": one frame, each line of `data` its own data line.
std::string sse_frame(std::string_view event, std::string_view data);
// ": <text>\n\n": a comment, which clients ignore and proxies see as traffic.
std::string sse_comment(std::string_view text);

}  // namespace tripstream::http
