// Where input bytes come from: a file, standard input, or memory (tests), read in large
// blocks so that parsing never waits on small reads.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace tripstream {

class IoError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class ByteSource {
  public:
    virtual ~ByteSource() = default;
    // Reads up to `size` bytes; returns 0 only at the end of the input. Throws IoError.
    virtual size_t read(char* data, size_t size) = 0;
    // Starts again from the first byte; false when the source cannot (a pipe).
    virtual bool rewind() = 0;
    virtual const std::string& name() const = 0;
};

// A file or "-" (standard input). Owns its descriptor (closed on destruction).
class FileSource final : public ByteSource {
  public:
    explicit FileSource(const std::string& path);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    size_t read(char* data, size_t size) override;
    bool rewind() override;
    const std::string& name() const override { return name_; }

  private:
    int fd_ = -1;
    bool owned_ = false;
    std::string name_;
};

// In-memory bytes; `chunk` limits each read to exercise block boundaries in tests.
class StringSource final : public ByteSource {
  public:
    explicit StringSource(std::string text, size_t chunk = SIZE_MAX, std::string name = "<memory>")
        : text_(std::move(text)), chunk_(chunk), name_(std::move(name)) {}

    size_t read(char* data, size_t size) override;
    bool rewind() override {
        pos_ = 0;
        return true;
    }
    const std::string& name() const override { return name_; }

  private:
    std::string text_;
    size_t chunk_;
    size_t pos_ = 0;
    std::string name_;
};

}  // namespace tripstream
