// libFuzzer target for the row parser: arbitrary bytes as a trips CSV input, read through
// the streaming reader in small blocks (to hit block boundaries), the header located, every
// row parsed; accepted rows must survive the message encoding round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tripstream/csv/csv_reader.hpp"
#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/csv/trip_row_parser.hpp"
#include "tripstream/message/trip_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace tripstream;
    if (size == 0) return 0;
    // The first byte picks the read block size, the rest is the input.
    const size_t chunk = 1 + data[0] % 64;
    StringSource source(std::string(reinterpret_cast<const char*>(data) + 1, size - 1), chunk);
    CsvReader reader(source, 512, 1024);
    CsvRecord record;
    if (!reader.next(record)) return 0;
    TripColumns columns;
    try {
        columns = find_trip_columns(record.fields);
    } catch (const HeaderError&) {
        columns = TripColumns{};  // keep fuzzing rows against the standard layout
    }
    Trip trip;
    RowError error;
    TripMessage decoded;
    std::string encoded;
    std::string reason;
    const JobId job{};
    while (reader.next(record)) {
        if (!parse_trip_row(record, columns, trip, error)) {
            if (error.code.empty() || error.detail.empty()) std::abort();
            continue;
        }
        encoded.clear();
        encode_trip_message(encoded, job, record.line, trip);
        if (!decode_trip_message(encoded, decoded, reason)) std::abort();
        if (decoded.trip.region != trip.region || decoded.trip.time_us != trip.time_us ||
            decoded.line != record.line) {
            std::abort();
        }
    }
    // The decoder must also reject, never crash on, arbitrary bytes.
    decode_trip_message({reinterpret_cast<const char*>(data), size}, decoded, reason);
    return 0;
}
