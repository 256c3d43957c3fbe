#include "tripstream/http/event_feed.hpp"

namespace tripstream::http {

std::string sse_frame(std::string_view event, std::string_view data) {
    std::string frame;
    frame.reserve(event.size() + data.size() + 16);
    if (!event.empty()) frame.append("event: ").append(event).append("\n");
    size_t start = 0;
    for (;;) {
        const size_t nl = data.find('\n', start);
        frame.append("data: ").append(data.substr(start, nl - start)).append("\n");
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    frame.append("\n");
    return frame;
}

std::string sse_comment(std::string_view text) {
    return std::string(": ").append(text).append("\n\n");
}

}  // namespace tripstream::http
