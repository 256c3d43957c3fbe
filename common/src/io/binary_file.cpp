#include "tripstream/io/binary_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tripstream {
namespace {

constexpr size_t kBufferSize = 1 << 20;

[[noreturn]] void fail_errno(const std::string& what, const std::string& path) {
    throw IoError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

FileHandle::~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
}

void FileHandle::read_at(void* data, size_t size, off_t offset) const {
    auto* out = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t n = ::pread(fd_, out, size, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_errno("cannot read", path_);
        if (n == 0) throw IoError("cannot read " + path_ + ": it ends early");
        out += n;
        offset += n;
        size -= static_cast<size_t>(n);
    }
}

std::shared_ptr<const FileHandle> open_for_reading(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return nullptr;
        fail_errno("cannot open", path);
    }
    return std::make_shared<const FileHandle>(fd, path);
}

BinaryWriter::BinaryWriter(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail_errno("cannot create", path);
    buffer_.reserve(kBufferSize);
}

BinaryWriter::~BinaryWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void BinaryWriter::bytes(const void* data, size_t size) {
    const auto* in = static_cast<const char*>(data);
    offset_ += size;
    while (size > 0) {
        const size_t n = std::min(size, kBufferSize - buffer_.size());
        buffer_.insert(buffer_.end(), in, in + n);
        in += n;
        size -= n;
        if (buffer_.size() == kBufferSize) flush();
    }
}

void BinaryWriter::flush() {
    const char* data = buffer_.data();
    size_t size = buffer_.size();
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail_errno("cannot write", path_);
        data += n;
        size -= static_cast<size_t>(n);
    }
    buffer_.clear();
}

void BinaryWriter::finish() {
    flush();
    if (::fsync(fd_) != 0) fail_errno("cannot sync", path_);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_errno("cannot close", path_);
}

BinaryReader::BinaryReader(std::shared_ptr<const FileHandle> file) : file_(std::move(file)) {
    struct stat st {};
    if (::fstat(file_->fd(), &st) != 0) fail_errno("cannot stat", file_->path());
    size_ = static_cast<uint64_t>(st.st_size);
}

void BinaryReader::fail(const std::string& what) const {
    throw IoError(file_->path() + " at byte " + std::to_string(offset_) + ": " + what);
}

void BinaryReader::bytes(void* data, size_t size) {
    if (size > remaining()) fail("it ends early");
    auto* out = static_cast<char*>(data);
    offset_ += size;
    while (size > 0) {
        if (buffer_pos_ == buffer_.size()) {
            buffer_offset_ += buffer_.size();
            const size_t n =
                static_cast<size_t>(std::min<uint64_t>(kBufferSize, size_ - buffer_offset_));
            if (size >= kBufferSize) {  // large arrays go straight to their memory
                file_->read_at(out, size, static_cast<off_t>(buffer_offset_));
                buffer_offset_ += size;
                buffer_.clear();
                buffer_pos_ = 0;
                return;
            }
            buffer_.resize(n);
            file_->read_at(buffer_.data(), n, static_cast<off_t>(buffer_offset_));
            buffer_pos_ = 0;
        }
        const size_t n = std::min(size, buffer_.size() - buffer_pos_);
        std::memcpy(out, buffer_.data() + buffer_pos_, n);
        buffer_pos_ += n;
        out += n;
        size -= n;
    }
}

void BinaryReader::skip(uint64_t size) {
    if (size > remaining()) fail("it ends early");
    // Drop the buffer and continue reading after the skipped block.
    offset_ += size;
    buffer_offset_ = offset_;
    buffer_.clear();
    buffer_pos_ = 0;
}

}  // namespace tripstream
