// Where the producer's rows come from: a CSV input or the generator. Both hand out one row
// at a time, either a valid Trip or a rejection with its reason and raw text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tripstream/csv/csv_reader.hpp"
#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/csv/trip_row_parser.hpp"
#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/io/byte_source.hpp"

namespace tripstream {

struct SourceRow {
    uint64_t line = 0;  // line number in the source (the header is line 1)
    bool ok = false;    // false: `error` says why the row was rejected
    RowError error;
    std::string_view raw;     // the row's text (valid until the next call), possibly cut
    uint64_t raw_length = 0;  // the whole row's length in bytes (0: raw.size())
};

class TripSource {
  public:
    virtual ~TripSource() = default;
    // Next row; false at the end of one pass over the input.
    virtual bool next(Trip& trip, SourceRow& row) = 0;
    // Starts the next pass (for NUM_MESSAGES larger than the input); false if impossible.
    virtual bool rewind() = 0;
    virtual std::string name() const = 0;
    // Fraction of the current pass done, in [0, 1], or a negative value when unknown.
    virtual double pass_fraction() const { return -1; }
};

// Reads a trips CSV; the header is read (and checked) on construction: HeaderError.
class CsvTripSource final : public TripSource {
  public:
    explicit CsvTripSource(const std::string& path);
    // Any byte stream (an HTTP request body); its size is unknown, so no pass fraction.
    explicit CsvTripSource(std::unique_ptr<ByteSource> bytes);
    bool next(Trip& trip, SourceRow& row) override;
    bool rewind() override;
    std::string name() const override { return bytes_->name(); }
    double pass_fraction() const override;

  private:
    void read_header();

    std::unique_ptr<ByteSource> bytes_;
    CsvReader reader_;
    CsvRecord record_;
    TripColumns columns_;
    uint64_t size_ = 0;  // file size, 0 when unknown (a pipe)
};

// Rows 0..count-1 of a TripGenerator; row i has line number i + 2, as in the CSV file that
// `tripstream-producer --generate N --output FILE` writes.
class GeneratedTripSource final : public TripSource {
  public:
    GeneratedTripSource(GeneratorOptions options, uint64_t count);
    bool next(Trip& trip, SourceRow& row) override;
    bool rewind() override {
        index_ = 0;
        return true;
    }
    std::string name() const override;
    double pass_fraction() const override {
        return count_ == 0 ? 1.0 : static_cast<double>(index_) / static_cast<double>(count_);
    }

  private:
    TripGenerator generator_;
    uint64_t count_;
    uint64_t index_ = 0;
};

}  // namespace tripstream
