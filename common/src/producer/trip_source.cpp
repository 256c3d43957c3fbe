#include "tripstream/producer/trip_source.hpp"

#include <sys/stat.h>

#include <algorithm>

namespace tripstream {
namespace {

uint64_t file_size(const std::string& path) {
    struct stat st {};
    if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    return static_cast<uint64_t>(st.st_size);
}

}  // namespace

CsvTripSource::CsvTripSource(const std::string& path)
    : bytes_(std::make_unique<FileSource>(path)), reader_(*bytes_), size_(file_size(path)) {
    read_header();
}

CsvTripSource::CsvTripSource(std::unique_ptr<ByteSource> bytes)
    : bytes_(std::move(bytes)), reader_(*bytes_) {
    read_header();
}

void CsvTripSource::read_header() {
    if (!reader_.next(record_)) throw HeaderError(bytes_->name() + ": empty input, no CSV header");
    try {
        columns_ = find_trip_columns(record_.fields);
    } catch (const HeaderError& e) {
        throw HeaderError(bytes_->name() + ": " + e.what());
    }
}

bool CsvTripSource::next(Trip& trip, SourceRow& row) {
    if (!reader_.next(record_)) return false;
    row.line = record_.line;
    row.raw = record_.raw;
    row.raw_length = record_.raw_length;
    row.ok = parse_trip_row(record_, columns_, trip, row.error);
    return true;
}

bool CsvTripSource::rewind() {
    if (!reader_.rewind()) return false;
    read_header();
    return true;
}

double CsvTripSource::pass_fraction() const {
    if (size_ == 0) return -1;
    return std::min(1.0,
                    static_cast<double>(reader_.bytes_consumed()) / static_cast<double>(size_));
}

GeneratedTripSource::GeneratedTripSource(GeneratorOptions options, uint64_t count)
    : generator_(std::move(options)), count_(count) {}

bool GeneratedTripSource::next(Trip& trip, SourceRow& row) {
    if (index_ >= count_) return false;
    generator_.generate(index_, trip);
    row.line = index_ + 2;
    row.ok = true;
    row.raw = {};
    row.raw_length = 0;
    ++index_;
    return true;
}

std::string GeneratedTripSource::name() const {
    return "generator(seed=" + std::to_string(generator_.options().seed) +
           ",rows=" + std::to_string(count_) + ")";
}

}  // namespace tripstream
