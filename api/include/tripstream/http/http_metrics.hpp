// Request counters and latency histograms per route, in the Prometheus text format
// (GET /metrics). Routes are recorded by pattern ("/v1/ingestions/{id}"), never by raw path,
// so the number of series stays bounded whatever clients send.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace tripstream::http {

class HttpMetrics {
  public:
    // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
    static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

    void record(const std::string& route, const std::string& method, int status,
                std::chrono::duration<double> latency);
    // The Prometheus exposition of everything recorded so far.
    std::string render() const;
    // Where the open-connections gauge comes from (the server sets it).
    void set_open_connections(std::function<size_t()> open);

  private:
    struct Series {
        std::map<int, uint64_t> by_status;
        std::array<uint64_t, kBuckets.size()> buckets{};
        uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::function<size_t()> open_connections_;
    std::map<std::pair<std::string, std::string>, Series> series_;  // (route, method)
};

}  // namespace tripstream::http
