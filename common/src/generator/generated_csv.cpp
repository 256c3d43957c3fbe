#include "tripstream/generator/generated_csv.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/csv/trip_csv_writer.hpp"
#include "tripstream/io/byte_source.hpp"

namespace tripstream {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

class OutputFile {
  public:
    explicit OutputFile(const std::string& path) : path_(path) {
        if (path == "-") {
            fd_ = STDOUT_FILENO;
            return;
        }
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) throw IoError("cannot create " + path + ": " + std::strerror(errno));
        owned_ = true;
    }
    ~OutputFile() {
        if (owned_) ::close(fd_);
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(const std::string& data) {
        size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw IoError("cannot write " + path_ + ": " + std::strerror(errno));
            done += static_cast<size_t>(n);
        }
    }

  private:
    std::string path_;
    int fd_ = -1;
    bool owned_ = false;
};

}  // namespace

uint64_t write_generated_csv(const std::string& path, const GeneratorOptions& options,
                             uint64_t count, std::atomic<uint64_t>& written,
                             const std::atomic<bool>& stop) {
    const TripGenerator generator(options);
    OutputFile out(path);
    std::string buffer(kTripCsvHeader);
    buffer.push_back('\n');
    buffer.reserve(kFlushBytes + 1024);
    Trip trip;
    uint64_t i = 0;
    for (; i < count; ++i) {
        generator.generate(i, trip);
        append_trip_csv_row(buffer, trip);
        if (buffer.size() >= kFlushBytes) {
            out.write(buffer);
            buffer.clear();
            written.store(i + 1, std::memory_order_relaxed);
            if (stop.load(std::memory_order_relaxed)) {
                ++i;
                break;
            }
        }
    }
    out.write(buffer);
    written.store(i, std::memory_order_relaxed);
    return i;
}

}  // namespace tripstream
