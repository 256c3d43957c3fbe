#include "support/api_process.hpp"

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tripstream::test {

ApiProcess::ApiProcess(const std::map<std::string, std::string>& env, const std::string& log_file)
    : log_file_(log_file) {
    process_ =
        std::make_unique<ChildProcess>(std::string(TRIPSTREAM_BINARY_DIR) + "/api/tripstream-api",
                                       std::vector<std::string>{"--port", "0"}, env, log_file);
    const std::regex listening(R"(listening on http://[^:]+:(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string log;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(log_file);
        std::stringstream text;
        text << in.rdbuf();
        log = text.str();
        std::smatch m;
        if (std::regex_search(log, m, listening)) {
            port_ = std::stoi(m[1]);
            return;
        }
        if (!process_->running()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("tripstream-api did not start listening; its log:\n" + log);
}

}  // namespace tripstream::test
