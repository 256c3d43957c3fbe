#include "tripstream/process/shutdown_signal.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace tripstream {
namespace {

// SIGUSR2 only tells the watcher to end when the ShutdownSignal is destroyed.
sigset_t watched_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR2);
    return set;
}

}  // namespace

ShutdownSignal::ShutdownSignal() {
    const sigset_t set = watched_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    watcher_ = std::thread([this] { watch(); });
}

ShutdownSignal::~ShutdownSignal() {
    pthread_kill(watcher_.native_handle(), SIGUSR2);
    watcher_.join();
}

void ShutdownSignal::watch() {
    const sigset_t set = watched_signals();
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0 || sig == SIGUSR2) return;
        if (requested_.exchange(true)) {
            std::fputs("\nsecond signal: exiting immediately\n", stderr);
            _exit(128 + sig);
        }
        signal_ = sig;
        std::fputs("\nstopping: finishing in-flight work (signal again to abort)\n", stderr);
    }
}

}  // namespace tripstream
