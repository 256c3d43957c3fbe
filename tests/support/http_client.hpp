// A small blocking HTTP/1.1 client for tests of tripstream-api: one request per connection,
// and an event-stream reader for the Server-Sent Event routes.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tripstream::test {

struct HttpResult {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& lower_name) const;
};

struct HttpCall {
    std::string method = "GET";
    std::string target;
    std::map<std::string, std::string> headers = {};
    std::string body = {};
};

// Sends `call` to 127.0.0.1:port and reads the whole response. Throws std::runtime_error.
HttpResult http_request(int port, const HttpCall& call,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
HttpResult http_get(int port, const std::string& target,
                    const std::map<std::string, std::string>& headers = {});

struct ServerSentEvent {
    std::string event;  // "message" when the stream named none
    std::string data;
};

// Opens an event stream and reads events as they come.
class EventStreamReader {
  public:
    EventStreamReader(int port, const std::string& target,
                      const std::map<std::string, std::string>& headers = {});
    ~EventStreamReader();
    EventStreamReader(const EventStreamReader&) = delete;
    EventStreamReader& operator=(const EventStreamReader&) = delete;

    int status() const { return status_; }
    const std::string& content_type() const { return content_type_; }
    // The next event, or nullopt at `timeout` or when the server ended the stream (ended()).
    std::optional<ServerSentEvent> next(std::chrono::milliseconds timeout);
    bool ended() const { return ended_; }
    int comments() const { return comments_; }  // keep-alive lines seen so far

  private:
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    int status_ = 0;
    std::string content_type_;
    std::string buffer_;
    bool ended_ = false;
    int comments_ = 0;
};

}  // namespace tripstream::test
