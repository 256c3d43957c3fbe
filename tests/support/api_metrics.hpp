// tripstream-api's /metrics as tests read them: one gauge, and waiting until the API's
// in-memory index holds every stored trip.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <limits>
#include <string>
#include <thread>

#include "support/http_client.hpp"

namespace tripstream::test {

// Polls `done` every 50 ms; false when `timeout` passes first.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::seconds timeout = std::chrono::seconds(40)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

// A gauge of the API's /metrics; NaN when it is missing.
inline double api_metric(int port, const std::string& name) {
    const std::string body = http_get(port, "/metrics").body;
    const std::string key = "\n" + name + " ";
    const size_t at = body.find(key);
    if (at == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
    return std::stod(body.substr(at + key.size()));
}

// Waits until the index of the API at `port` follows the database and holds `stored_trips()`
// trips (the count of tripstream.trips).
inline ::testing::AssertionResult index_caught_up(int port,
                                                  const std::function<int64_t()>& stored_trips) {
    const bool done = wait_until([&] {
        return api_metric(port, "tripstream_index_following") == 1 &&
               api_metric(port, "tripstream_index_trips") == static_cast<double>(stored_trips());
    });
    if (done) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "index at " << api_metric(port, "tripstream_index_trips") << " trips of "
           << stored_trips() << ", following " << api_metric(port, "tripstream_index_following");
}

}  // namespace tripstream::test
