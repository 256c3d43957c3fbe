// The request and response as handlers see them: plain values, independent of Beast, so the
// API's handlers are ordinary functions that tests call without a socket.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tripstream/io/byte_source.hpp"

namespace tripstream::http {

// Header names compare case-insensitively (RFC 9110).
struct CaseInsensitiveLess {
    bool operator()(std::string_view a, std::string_view b) const;
};

struct HttpRequest {
    std::string method;                        // "GET"
    std::string target;                        // "/v1/trips/weekly-average?region=Prague"
    std::string path;                          // "/v1/trips/weekly-average", percent-decoded
    std::map<std::string, std::string> query;  // decoded; a repeated name keeps its last value
    std::map<std::string, std::string, CaseInsensitiveLess> headers;
    std::map<std::string, std::string> path_params;  // "{id}" segments of the matched route
    std::string route;                               // the matched route pattern, for metrics

    std::optional<std::string> param(const std::string& name) const;
    std::optional<std::string> header(const std::string& name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers

    static HttpResponse json(int status, std::string body);
    static HttpResponse text(int status, std::string content_type, std::string body);
};

// A text/event-stream response being written (Server-Sent Events).
class EventStream {
  public:
    virtual ~EventStream() = default;
    // Sends one event; false when the client is gone or the server is stopping.
    virtual bool send(std::string_view event, std::string_view data) = 0;
    // Sends a comment line (keep-alive); false as above.
    virtual bool comment(std::string_view text) = 0;
    // True when the client went away (checked without blocking).
    virtual bool client_gone() = 0;
    // True when the server is stopping: the handler should end the stream.
    virtual bool stopping() const = 0;
};

// One request being served: the request, its body (read on demand, so uploads stream), and
// the way to switch the response to an event stream.
class HttpExchange {
  public:
    virtual ~HttpExchange() = default;
    virtual const HttpRequest& request() const = 0;
    // The request body. Reading past the server's limit throws BodyTooLarge.
    virtual ByteSource& body() = 0;
    // Sends the event-stream headers; the handler then writes events and its return value is
    // ignored.
    virtual EventStream& start_event_stream() = 0;
};

class BodyTooLarge : public IoError {
  public:
    explicit BodyTooLarge(uint64_t limit)
        : IoError("request body exceeds " + std::to_string(limit) + " bytes"), limit_(limit) {}
    uint64_t limit() const { return limit_; }

  private:
    uint64_t limit_;
};

}  // namespace tripstream::http
