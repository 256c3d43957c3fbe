#include "tripstream/query/exact_ends.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tripstream::query {
namespace {

constexpr size_t kBlockTrips = 1 << 16;  // 2 MiB per read or write

[[noreturn]] void fail(const std::string& what, const std::string& directory) {
    throw IoError("index coordinates file in '" + directory + "': " + what + ": " +
                  std::strerror(errno));
}

// An unnamed file in `directory`: O_TMPFILE where the file system has it, else a named one
// removed at once.
std::shared_ptr<const FileHandle> create_unnamed(const std::string& directory) {
    int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        std::string path = directory + "/tripstream-index-XXXXXX";
        fd = ::mkostemp(path.data(), O_CLOEXEC);
        if (fd < 0) fail("cannot create", directory);
        ::unlink(path.c_str());
    }
    return std::make_shared<const FileHandle>(fd, directory + "/(unnamed coordinates file)");
}

void write_all(int fd, const char* data, size_t bytes, const std::string& directory) {
    while (bytes > 0) {
        const ssize_t n = ::write(fd, data, bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("cannot write", directory);
        data += n;
        bytes -= static_cast<size_t>(n);
    }
}

}  // namespace

ExactEnds::ExactEnds(std::span<const TripEnds> ends, const IndexStorage& storage)
    : size_(ends.size()) {
    if (storage.directory.empty() || ends.size() < storage.min_file_trips) {
        memory_.assign(ends.begin(), ends.end());
        return;
    }
    file_ = create_unnamed(storage.directory);
    write_all(file_->fd(), reinterpret_cast<const char*>(ends.data()), ends.size_bytes(),
              storage.directory);
}

ExactEnds::ExactEnds(std::shared_ptr<const FileHandle> file, uint64_t offset, size_t size)
    : file_(std::move(file)), offset_(offset), size_(size) {}

void ExactEnds::read(size_t first, size_t count, TripEnds* out) const {
    file_->read_at(out, count * sizeof(TripEnds),
                   static_cast<off_t>(offset_ + first * sizeof(TripEnds)));
}

TripEnds ExactEnds::at(uint32_t i) const {
    if (!in_file()) return memory_[i];
    TripEnds e;
    read(i, 1, &e);
    return e;
}

void ExactEnds::read_all(std::vector<TripEnds>& out) const {
    const size_t start = out.size();
    out.resize(start + size_);
    if (!in_file()) {
        std::copy(memory_.begin(), memory_.end(), out.begin() + static_cast<ptrdiff_t>(start));
        return;
    }
    for (size_t i = 0; i < size_; i += kBlockTrips)
        read(i, std::min(kBlockTrips, size_ - i), out.data() + start + i);
}

void ExactEnds::write_to(BinaryWriter& out) const {
    if (!in_file()) {
        out.bytes(memory_.data(), memory_.size() * sizeof(TripEnds));
        return;
    }
    std::vector<TripEnds> block;
    for (size_t i = 0; i < size_; i += kBlockTrips) {
        block.resize(std::min(kBlockTrips, size_ - i));
        read(i, block.size(), block.data());
        out.bytes(block.data(), block.size() * sizeof(TripEnds));
    }
}

}  // namespace tripstream::query
