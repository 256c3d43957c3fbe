// Building PostgreSQL binary COPY data (COPY ... FROM STDIN WITH (FORMAT binary)): no text
// formatting or parsing of numbers on either side, which is what makes bulk ingestion fast.
// Fields are big-endian; geometry is sent as EWKB, which PostGIS's binary input accepts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tripstream/message/trip_message.hpp"
#include "tripstream/trip.hpp"

namespace tripstream::db {

class BinaryCopyBuffer {
  public:
    BinaryCopyBuffer() { clear(); }

    void clear();  // empties the buffer and writes the COPY header
    void begin_row(int16_t fields);
    void add_null();
    void add_int16(int16_t v);
    void add_int32(int32_t v);
    void add_int64(int64_t v);
    void add_float64(double v);
    void add_text(std::string_view v);  // v must be valid UTF-8 without NUL (the server checks)
    void add_bytea(std::string_view bytes);  // any bytes
    void add_uuid(const JobId& id);
    // timestamptz from microseconds since the Unix epoch.
    void add_timestamptz(int64_t unix_micros);
    // date from days since the Unix epoch.
    void add_date(int64_t unix_days);
    // geometry(Point, 4326) as EWKB.
    void add_point_4326(const GeoPoint& p);

    // The finished COPY data (appends the trailer once).
    std::string_view finish();
    size_t rows() const { return rows_; }

  private:
    template <typename T>
    void put_be(T v);

    std::string data_;
    size_t rows_ = 0;
    bool finished_ = false;
};

}  // namespace tripstream::db
