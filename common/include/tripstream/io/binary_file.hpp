// Plain binary files of fixed-size values and arrays of them, in this machine's byte order:
// the saved weekly-average index (query/trip_index_file.hpp) is read back by the same build
// on the same machine, so nothing is converted. Every failure names the file; a read past
// the end, or an array longer than what is left of the file, is an IoError, never a huge
// allocation.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "tripstream/io/byte_source.hpp"

namespace tripstream {

// An open file descriptor, closed with the last owner.
class FileHandle {
  public:
    FileHandle(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    ~FileHandle();
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;

    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    // Reads exactly `size` bytes at `offset`; IoError otherwise.
    void read_at(void* data, size_t size, off_t offset) const;

  private:
    int fd_;
    std::string path_;
};

// Appends to a new file, buffered.
class BinaryWriter {
  public:
    // Creates (or truncates) `path`. Throws IoError.
    explicit BinaryWriter(const std::string& path);
    ~BinaryWriter();
    BinaryWriter(const BinaryWriter&) = delete;
    BinaryWriter& operator=(const BinaryWriter&) = delete;

    void bytes(const void* data, size_t size);
    template <typename T>
    void value(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        bytes(&v, sizeof v);
    }
    template <typename T>
    void array(const std::vector<T>& v) {
        value(static_cast<uint64_t>(v.size()));
        bytes(v.data(), v.size() * sizeof(T));
    }
    uint64_t offset() const { return offset_; }
    // Flushes, fsyncs and closes; the file is complete only after this.
    void finish();

  private:
    void flush();

    int fd_ = -1;
    std::string path_;
    std::vector<char> buffer_;
    uint64_t offset_ = 0;
};

// Reads a file front to back, buffered.
class BinaryReader {
  public:
    explicit BinaryReader(std::shared_ptr<const FileHandle> file);

    void bytes(void* data, size_t size);
    template <typename T>
    T value() {
        static_assert(std::is_trivially_copyable_v<T>);
        T v;
        bytes(&v, sizeof v);
        return v;
    }
    template <typename T>
    std::vector<T> array() {
        const auto n = value<uint64_t>();
        if (n > remaining() / sizeof(T)) fail("an array longer than the file");
        std::vector<T> v(n);
        bytes(v.data(), n * sizeof(T));
        return v;
    }
    // Skips `size` bytes (a block read later by offset).
    void skip(uint64_t size);
    uint64_t offset() const { return offset_; }
    uint64_t remaining() const { return size_ - offset_; }
    const std::shared_ptr<const FileHandle>& file() const { return file_; }
    [[noreturn]] void fail(const std::string& what) const;

  private:
    std::shared_ptr<const FileHandle> file_;
    uint64_t size_ = 0;
    uint64_t offset_ = 0;
    std::vector<char> buffer_;
    size_t buffer_pos_ = 0;
    uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
};

// Opens `path` for reading; nullptr when it does not exist. Throws IoError otherwise.
std::shared_ptr<const FileHandle> open_for_reading(const std::string& path);

}  // namespace tripstream
