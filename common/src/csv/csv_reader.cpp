#include "tripstream/csv/csv_reader.hpp"

#include <algorithm>
#include <cstring>

namespace tripstream {
namespace {

constexpr size_t kLongLineExcerpt = 256;

std::string_view strip_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

CsvReader::CsvReader(ByteSource& source, size_t max_record_bytes, size_t block_bytes)
    : source_(source),
      max_record_bytes_(max_record_bytes),
      buf_(std::max(block_bytes, 2 * max_record_bytes + 16)) {}

bool CsvReader::rewind() {
    if (!source_.rewind()) return false;
    begin_ = end_ = 0;
    eof_ = false;
    at_start_ = true;
    line_ = 1;
    consumed_ = 0;
    return true;
}

bool CsvReader::fill() {
    if (eof_) return false;
    if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, available());
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == buf_.size()) return false;
    const size_t n = source_.read(buf_.data() + end_, buf_.size() - end_);
    if (n == 0) {
        eof_ = true;
        return false;
    }
    end_ += n;
    return true;
}

bool CsvReader::next(CsvRecord& record) {
    if (at_start_) {
        while (available() < 3 && fill()) {
        }
        if (available() >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
            begin_ += 3;
            consumed_ += 3;
        }
        at_start_ = false;
    }
    for (;;) {
        record.too_long = false;
        record.unterminated_quote = false;
        const char* start = buf_.data() + begin_;
        const auto* nl = static_cast<const char*>(std::memchr(start, '\n', available()));
        if (nl == nullptr && !eof_) {
            if (available() > max_record_bytes_) {
                skip_long_line(record);
                return true;
            }
            fill();
            continue;
        }
        if (nl == nullptr && available() == 0) return false;
        const size_t len = nl != nullptr ? static_cast<size_t>(nl - start) : available();
        if (std::memchr(start, '"', len) != nullptr) {
            if (!parse_quoted(record)) {
                if (available() > max_record_bytes_) {
                    skip_long_line(record);
                    return true;
                }
                fill();
                continue;
            }
            return true;
        }
        if (len > max_record_bytes_) {
            skip_long_line(record);
            return true;
        }
        const std::string_view line = strip_cr({start, len});
        const size_t advance = nl != nullptr ? len + 1 : len;
        record.line = line_;
        line_ += nl != nullptr ? 1 : 0;
        begin_ += advance;
        consumed_ += advance;
        if (line.empty()) continue;  // blank lines carry no record
        split_unquoted(line, record);
        return true;
    }
}

void CsvReader::split_unquoted(std::string_view line, CsvRecord& record) {
    record.raw = line;
    record.raw_length = line.size();
    record.fields.clear();
    const char* p = line.data();
    const char* const end = p + line.size();
    for (;;) {
        const auto* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
        if (comma == nullptr) {
            record.fields.emplace_back(p, end - p);
            return;
        }
        record.fields.emplace_back(p, comma - p);
        p = comma + 1;
    }
}

// Full RFC 4180 parse of the record at begin_. Returns false when the record continues past
// the bytes in the buffer and more input exists.
bool CsvReader::parse_quoted(CsvRecord& record) {
    scratch_.clear();
    std::vector<std::pair<size_t, size_t>> spans;
    const char* b = buf_.data();
    size_t i = begin_;
    size_t field_start = 0;
    size_t newlines = 0;
    bool in_quotes = false;
    bool at_field_start = true;
    for (; i < end_; ++i) {
        const char c = b[i];
        if (in_quotes) {
            if (c == '"') {
                if (i + 1 >= end_ && !eof_) return false;
                if (i + 1 < end_ && b[i + 1] == '"') {
                    scratch_.push_back('"');
                    ++i;
                } else {
                    in_quotes = false;
                }
                continue;
            }
            if (c == '\n') ++newlines;
            scratch_.push_back(c);
            continue;
        }
        if (c == '\n') break;
        if (c == '"' && at_field_start) {
            in_quotes = true;
            at_field_start = false;
            continue;
        }
        if (c == ',') {
            spans.emplace_back(field_start, scratch_.size() - field_start);
            field_start = scratch_.size();
            at_field_start = true;
            continue;
        }
        if (c == '\r' && (i + 1 == end_ || b[i + 1] == '\n')) continue;
        scratch_.push_back(c);
        at_field_start = false;
    }
    if (i == end_ && !eof_) return false;
    spans.emplace_back(field_start, scratch_.size() - field_start);

    const bool has_newline = i < end_;
    record.unterminated_quote = in_quotes;
    record.raw = strip_cr({b + begin_, i - begin_});
    record.raw_length = record.raw.size();
    record.line = line_;
    record.fields.clear();
    for (const auto& [offset, length] : spans)
        record.fields.emplace_back(scratch_.data() + offset, length);
    line_ += newlines + (has_newline ? 1 : 0);
    const size_t advance = i - begin_ + (has_newline ? 1 : 0);
    begin_ += advance;
    consumed_ += advance;
    return true;
}

// Consumes a record longer than the limit up to the next line end, keeping an excerpt.
void CsvReader::skip_long_line(CsvRecord& record) {
    record.line = line_;
    record.too_long = true;
    record.fields.clear();
    long_line_.assign(buf_.data() + begin_, std::min(available(), kLongLineExcerpt));
    uint64_t length = 0;  // up to the line feed, a carriage return before it included
    for (;;) {
        const char* start = buf_.data() + begin_;
        const auto* nl = static_cast<const char*>(std::memchr(start, '\n', available()));
        if (nl != nullptr) {
            const size_t advance = static_cast<size_t>(nl - start) + 1;
            length += advance - 1;
            begin_ += advance;
            consumed_ += advance;
            break;
        }
        length += available();
        consumed_ += available();
        begin_ = end_;
        if (!fill()) break;
    }
    ++line_;
    record.raw = long_line_;
    record.raw_length = length;
}

}  // namespace tripstream
