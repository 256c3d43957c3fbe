#include "tripstream/http/http_metrics.hpp"

#include <array>
#include <sstream>
#include <string_view>

namespace tripstream::http {
namespace {

// Clients choose the method token freely; an unknown one becomes "OTHER" so that no client
// can grow the number of series.
std::string method_label(const std::string& method) {
    static constexpr std::array<std::string_view, 7> kKnown = {"GET",    "HEAD",  "POST",   "PUT",
                                                               "DELETE", "PATCH", "OPTIONS"};
    for (const auto known : kKnown)
        if (method == known) return method;
    return "OTHER";
}

}  // namespace

void HttpMetrics::record(const std::string& route, const std::string& method, int status,
                         std::chrono::duration<double> latency) {
    const double seconds = latency.count();
    std::lock_guard lock(mutex_);
    Series& s = series_[{route, method_label(method)}];
    ++s.by_status[status];
    ++s.count;
    s.sum += seconds;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) ++s.buckets[i];  // cumulative, as Prometheus expects
    }
}

void HttpMetrics::set_open_connections(std::function<size_t()> open) {
    std::lock_guard lock(mutex_);
    open_connections_ = std::move(open);
}

std::string HttpMetrics::render() const {
    std::ostringstream out;
    std::lock_guard lock(mutex_);
    if (open_connections_) {
        out << "# HELP tripstream_http_connections Open client connections (event streams "
               "included).\n# TYPE tripstream_http_connections gauge\ntripstream_http_connections "
            << open_connections_() << "\n";
    }
    out << "# HELP tripstream_http_requests_total HTTP requests by route, method and status.\n"
           "# TYPE tripstream_http_requests_total counter\n";
    for (const auto& [key, s] : series_) {
        for (const auto& [status, n] : s.by_status) {
            out << "tripstream_http_requests_total{route=\"" << key.first << "\",method=\""
                << key.second << "\",status=\"" << status << "\"} " << n << "\n";
        }
    }
    out << "# HELP tripstream_http_request_duration_seconds Time from the request's header to "
           "the end of its response (event streams: until the stream ends).\n"
           "# TYPE tripstream_http_request_duration_seconds histogram\n";
    for (const auto& [key, s] : series_) {
        const std::string labels = "route=\"" + key.first + "\",method=\"" + key.second + "\"";
        for (size_t i = 0; i < kBuckets.size(); ++i) {
            out << "tripstream_http_request_duration_seconds_bucket{" << labels << ",le=\""
                << kBuckets[i] << "\"} " << s.buckets[i] << "\n";
        }
        out << "tripstream_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
            << s.count << "\n";
        out << "tripstream_http_request_duration_seconds_sum{" << labels << "} " << s.sum << "\n";
        out << "tripstream_http_request_duration_seconds_count{" << labels << "} " << s.count
            << "\n";
    }
    return out.str();
}

}  // namespace tripstream::http
