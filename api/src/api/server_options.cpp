#include "tripstream/api/server_options.hpp"

namespace tripstream::api {

http::HttpServerOptions server_options(const ApiConfig& api) {
    using std::chrono::milliseconds;
    http::HttpServerOptions o;
    o.address = api.http_address;
    o.port = api.http_port;
    o.io_threads = static_cast<size_t>(api.http_threads);
    o.worker_threads = static_cast<size_t>(api.worker_threads);
    o.max_connections = static_cast<size_t>(api.max_connections);
    o.max_connections_per_address = static_cast<size_t>(api.max_connections_per_address);
    o.max_concurrent_uploads = static_cast<size_t>(api.max_concurrent_uploads);
    o.header_timeout = milliseconds(api.header_timeout_ms);
    o.keep_alive_timeout = milliseconds(api.keep_alive_timeout_ms);
    o.body_idle_timeout = milliseconds(api.body_idle_timeout_ms);
    o.body_min_rate = static_cast<uint64_t>(api.body_min_rate);
    o.write_timeout = milliseconds(api.write_timeout_ms);
    return o;
}

}  // namespace tripstream::api
