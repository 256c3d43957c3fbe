// The request and response as handlers see them: plain values, independent of Beast, so the
// API's handlers are ordinary functions that tests call without a socket.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tripstream/http/event_feed.hpp"
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
    std::map<std::string, std::string> query;  // decoded; a repeated name is refused (400)
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
    // Set: the answer is a text/event-stream (200) that the server feeds from this, and
    // status, content_type and body are ignored.
    std::shared_ptr<EventFeed> events;

    static HttpResponse json(int status, std::string body);
    static HttpResponse text(int status, std::string content_type, std::string body);
};

// One request being served: the request and its body. A body the server read whole before
// the handler runs is served from memory; an upload's body streams from the socket as the
// handler reads it, so a 1 GiB CSV never sits in memory.
class HttpExchange {
  public:
    virtual ~HttpExchange() = default;
    virtual const HttpRequest& request() const = 0;
    // The request body. Reading past the route's limit throws BodyTooLarge; a client that
    // stalls or sends too slowly throws BodyTimeout.
    virtual ByteSource& body() = 0;
};

class BodyTooLarge : public IoError {
  public:
    explicit BodyTooLarge(uint64_t limit)
        : IoError("request body exceeds " + std::to_string(limit) + " bytes"), limit_(limit) {}
    uint64_t limit() const { return limit_; }

  private:
    uint64_t limit_;
};

// The client sent its body too slowly (body_idle_timeout, body_min_rate): 408.
class BodyTimeout : public IoError {
  public:
    using IoError::IoError;
};

}  // namespace tripstream::http
