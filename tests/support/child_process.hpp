// A child process for tests that exercise the real executables (kill, restart, exit codes).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace tripstream::test {

class ChildProcess {
  public:
    // Starts `path` with `args`, the current environment plus `env`, stdout and stderr
    // appended to `log_file` (empty: inherited).
    ChildProcess(const std::string& path, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& log_file = {});
    ~ChildProcess();  // SIGKILL and reap if still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void signal(int sig);
    // Waits for the exit; returns the exit code, or 128 + signal when killed.
    int wait();
    bool running();
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    int status_ = 0;
};

// Runs a command to completion (through /bin/sh -c); returns its exit code.
int run_command(const std::string& command);

}  // namespace tripstream::test
