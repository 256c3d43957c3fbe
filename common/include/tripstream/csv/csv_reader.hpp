// A streaming RFC 4180 CSV record reader: quoted fields (with "" escapes, commas and line
// breaks inside), CRLF or LF line ends, a UTF-8 byte-order mark at the start. Memory is
// bounded by the longest record, whatever the input size.
//
// Fields are bytes: NUL, invalid UTF-8 and control characters pass through untouched (the
// row parser judges them).
//
// Unquoted lines, the overwhelmingly common case, take a fast path (memchr for the line end,
// one pass to split); only lines containing a quote go through the full state machine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tripstream/io/byte_source.hpp"

namespace tripstream {

struct CsvRecord {
    // Views into the reader's buffers: valid until the next call to next().
    std::vector<std::string_view> fields;
    std::string_view raw;             // the record's text without its line terminator
    uint64_t raw_length = 0;          // the whole text's length: > raw.size() when cut
    uint64_t line = 0;                // 1-based physical line on which the record starts
    bool too_long = false;            // longer than the limit: `raw` is cut, `fields` is empty
    bool unterminated_quote = false;  // the input ended inside a quoted field
};

class CsvReader {
  public:
    static constexpr size_t kDefaultMaxRecordBytes = 64 * 1024;
    static constexpr size_t kDefaultBlockBytes = 1 << 20;

    // Reads the source in blocks of `block_bytes` (raised to hold two maximal records).
    explicit CsvReader(ByteSource& source, size_t max_record_bytes = kDefaultMaxRecordBytes,
                       size_t block_bytes = kDefaultBlockBytes);

    // Reads the next non-blank record; false at the end of the input. Throws IoError.
    bool next(CsvRecord& record);

    // Starts over from the first byte of the source (for cycling an input); false if the
    // source cannot rewind.
    bool rewind();

    // Bytes of the current pass handed out as records (for progress).
    uint64_t bytes_consumed() const { return consumed_; }

  private:
    bool fill();  // false when no more bytes could be read
    size_t available() const { return end_ - begin_; }
    bool parse_quoted(CsvRecord& record);
    void skip_long_line(CsvRecord& record);
    void split_unquoted(std::string_view line, CsvRecord& record);

    ByteSource& source_;
    size_t max_record_bytes_;
    std::vector<char> buf_;
    size_t begin_ = 0;  // first unread byte
    size_t end_ = 0;    // one past the last valid byte
    bool eof_ = false;
    bool at_start_ = true;
    uint64_t line_ = 1;      // physical line of buf_[begin_]
    uint64_t consumed_ = 0;  // bytes handed out as records so far
    std::string scratch_;    // unescaped quoted fields
    std::string long_line_;  // the cut text of an over-long record
};

}  // namespace tripstream
