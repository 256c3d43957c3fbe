// A fixed set of worker threads that run one function on every worker at once, then wait.
// k-means calls it a few times per iteration; keeping the threads alive (instead of spawning
// std::threads per call) keeps that synchronisation in the microseconds.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tripstream::kmeans {

class ThreadPool {
  public:
    // `threads` workers in total, the calling thread included; 0 = hardware concurrency.
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return size_; }

    // Runs task(worker) for worker = 0..size()-1 concurrently; returns when all are done.
    // The calling thread runs worker 0. An exception from a task is rethrown here.
    void run(const std::function<void(int worker)>& task);

    // Cuts [0, n) into blocks of `block` items and runs body(block_index, begin, end) once per
    // block, each worker taking a contiguous run of blocks. The blocks do not depend on the
    // number of threads, so a caller that keeps one partial result per block and combines
    // them in block order gets bit-identical results whatever size() is.
    void for_each_block(std::size_t n, std::size_t block,
                        const std::function<void(std::size_t, std::size_t, std::size_t)>& body);

    static std::size_t block_count(std::size_t n, std::size_t block) {
        return (n + block - 1) / block;
    }

  private:
    void worker_loop(int worker);

    int size_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    const std::function<void(int)>* task_ = nullptr;
    unsigned long generation_ = 0;
    int pending_ = 0;
    bool stop_ = false;
    std::exception_ptr error_;
};

}  // namespace tripstream::kmeans
