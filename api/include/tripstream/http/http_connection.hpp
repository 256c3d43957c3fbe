// Serves the requests of one keep-alive connection, one after another: reads a header,
// routes it, runs the handler with an HttpExchange (body streamed on demand, event streams),
// writes the response, records metrics. Separate from the server so that the per-request
// logic reads top to bottom.
#pragma once

#include <atomic>
#include <functional>

#include "tripstream/http/http_metrics.hpp"
#include "tripstream/http/router.hpp"
#include "tripstream/http/tcp_socket.hpp"
#include "tripstream/log.hpp"

namespace tripstream::http {

struct ConnectionContext {
    const Router& router;
    HttpMetrics& metrics;
    const Logger& log;
    const std::atomic<bool>& stopping;
    std::atomic<bool>& idle;  // true while waiting for the next request's header
};

void serve_connection(TcpSocket& socket, ConnectionContext context);

}  // namespace tripstream::http
