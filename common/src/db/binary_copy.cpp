#include "tripstream/db/binary_copy.hpp"

#include <bit>
#include <cstring>

namespace tripstream::db {
namespace {

// PostgreSQL's epoch is 2000-01-01; Unix time 946684800 s.
constexpr int64_t kPgEpochUnixSeconds = 946'684'800;
constexpr int64_t kPgEpochUnixDays = 10'957;
constexpr uint32_t kEwkbPointWithSrid = 0x20000001;

}  // namespace

template <typename T>
void BinaryCopyBuffer::put_be(T v) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    char bytes[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) {
        bytes[sizeof(T) - 1 - i] = static_cast<char>(u & 0xFF);
        u = static_cast<U>(u >> 8);
    }
    data_.append(bytes, sizeof(T));
}

void BinaryCopyBuffer::clear() {
    data_.clear();
    data_.append("PGCOPY\n\xff\r\n\0", 11);
    put_be<int32_t>(0);  // flags
    put_be<int32_t>(0);  // header extension length
    rows_ = 0;
    finished_ = false;
}

void BinaryCopyBuffer::begin_row(int16_t fields) {
    put_be(fields);
    ++rows_;
}

void BinaryCopyBuffer::add_null() {
    put_be<int32_t>(-1);
}

void BinaryCopyBuffer::add_int16(int16_t v) {
    put_be<int32_t>(2);
    put_be(v);
}

void BinaryCopyBuffer::add_int32(int32_t v) {
    put_be<int32_t>(4);
    put_be(v);
}

void BinaryCopyBuffer::add_int64(int64_t v) {
    put_be<int32_t>(8);
    put_be(v);
}

void BinaryCopyBuffer::add_float64(double v) {
    put_be<int32_t>(8);
    put_be(std::bit_cast<int64_t>(v));
}

void BinaryCopyBuffer::add_text(std::string_view v) {
    put_be(static_cast<int32_t>(v.size()));
    data_.append(v);
}

// bytea's binary form is the bytes themselves, like text's; the column type is what lets the
// server accept any byte.
void BinaryCopyBuffer::add_bytea(std::string_view bytes) {
    add_text(bytes);
}

void BinaryCopyBuffer::add_uuid(const JobId& id) {
    put_be<int32_t>(16);
    data_.append(reinterpret_cast<const char*>(id.data()), id.size());
}

void BinaryCopyBuffer::add_timestamptz(int64_t unix_micros) {
    add_int64(unix_micros - kPgEpochUnixSeconds * 1'000'000);
}

void BinaryCopyBuffer::add_date(int64_t unix_days) {
    add_int32(static_cast<int32_t>(unix_days - kPgEpochUnixDays));
}

void BinaryCopyBuffer::add_point_4326(const GeoPoint& p) {
    // EWKB, little-endian: byte order, type with the SRID flag, SRID, x, y.
    char ewkb[25];
    ewkb[0] = 1;
    const uint32_t type = kEwkbPointWithSrid;
    const uint32_t srid = 4326;
    std::memcpy(ewkb + 1, &type, 4);
    std::memcpy(ewkb + 5, &srid, 4);
    std::memcpy(ewkb + 9, &p.lon, 8);
    std::memcpy(ewkb + 17, &p.lat, 8);
    put_be<int32_t>(sizeof ewkb);
    data_.append(ewkb, sizeof ewkb);
}

std::string_view BinaryCopyBuffer::finish() {
    if (!finished_) {
        put_be<int16_t>(-1);
        finished_ = true;
    }
    return data_;
}

}  // namespace tripstream::db
