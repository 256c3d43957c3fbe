// tripstream-api as a child process on a free port, for tests that talk HTTP to the real
// executable.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "support/child_process.hpp"

namespace tripstream::test {

class ApiProcess {
  public:
    // Starts build/api/tripstream-api --port 0 with `env` and waits until it listens (its
    // log names the port). Throws std::runtime_error with the log's tail when it does not.
    ApiProcess(const std::map<std::string, std::string>& env, const std::string& log_file);

    int port() const { return port_; }
    ChildProcess& process() { return *process_; }
    const std::string& log_file() const { return log_file_; }

  private:
    std::string log_file_;
    std::unique_ptr<ChildProcess> process_;
    int port_ = 0;
};

}  // namespace tripstream::test
