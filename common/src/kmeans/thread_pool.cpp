#include "tripstream/kmeans/thread_pool.hpp"

#include <algorithm>
#include <exception>

namespace tripstream::kmeans {

ThreadPool::ThreadPool(int threads)
    : size_(threads > 0 ? threads
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
    for (int w = 1; w < size_; ++w)
        threads_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        t.join();
}

void ThreadPool::run(const std::function<void(int)>& task) {
    if (size_ == 1) {
        task(0);
        return;
    }
    {
        std::lock_guard lock(mutex_);
        task_ = &task;
        pending_ = size_ - 1;
        error_ = nullptr;
        ++generation_;
    }
    wake_.notify_all();
    std::exception_ptr mine;
    try {
        task(0);
    } catch (...) {
        mine = std::current_exception();
    }
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
}

void ThreadPool::for_each_block(
    std::size_t n, std::size_t block,
    const std::function<void(std::size_t, std::size_t, std::size_t)>& body) {
    const std::size_t blocks = block_count(n, block);
    const auto parts = static_cast<std::size_t>(size_);
    run([&](int worker) {
        const auto w = static_cast<std::size_t>(worker);
        for (std::size_t b = blocks * w / parts; b < blocks * (w + 1) / parts; ++b)
            body(b, b * block, std::min(n, (b + 1) * block));
    });
}

void ThreadPool::worker_loop(int worker) {
    unsigned long seen = 0;
    for (;;) {
        const std::function<void(int)>* task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            task = task_;
        }
        std::exception_ptr error;
        try {
            (*task)(worker);
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        if (error && !error_) error_ = error;
        if (--pending_ == 0) done_.notify_one();
    }
}

}  // namespace tripstream::kmeans
