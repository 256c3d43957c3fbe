#include "tripstream/io/byte_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tripstream {

FileSource::FileSource(const std::string& path) : name_(path == "-" ? "<stdin>" : path) {
    if (path == "-") {
        fd_ = STDIN_FILENO;
        return;
    }
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw IoError("cannot open " + path + ": " + std::strerror(errno));
    owned_ = true;
    // Sequential scan: let the kernel read ahead aggressively.
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

FileSource::~FileSource() {
    if (owned_) ::close(fd_);
}

size_t FileSource::read(char* data, size_t size) {
    for (;;) {
        const ssize_t n = ::read(fd_, data, size);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) throw IoError("cannot read " + name_ + ": " + std::strerror(errno));
    }
}

bool FileSource::rewind() {
    return owned_ && ::lseek(fd_, 0, SEEK_SET) == 0;
}

size_t StringSource::read(char* data, size_t size) {
    const size_t n = std::min({size, chunk_, text_.size() - pos_});
    std::memcpy(data, text_.data() + pos_, n);
    pos_ += n;
    return n;
}

}  // namespace tripstream
