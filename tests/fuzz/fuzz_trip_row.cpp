// libFuzzer target for the row parser: arbitrary bytes as a trips CSV input, read through
// the streaming reader in small blocks (to hit block boundaries), the header located, every
// row parsed. Invariants checked (any violation aborts):
//   - a rejection has a code and a detail, and its reason is printable UTF-8;
//   - an accepted row's region and datasource pass the strict text check (UTF-8, no
//     control characters), and validate_trip accepts every trip the parser accepts;
//   - accepted rows survive the message encoding round trip unchanged, and the decoded trip
//     passes validate_trip too;
//   - the rejection's dead-letter record dumps as JSON (never throws on any bytes) and reads
//     back with the exact raw bytes;
//   - the decoder and the record reader refuse, never crash on, arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tripstream/csv/csv_reader.hpp"
#include "tripstream/csv/trip_columns.hpp"
#include "tripstream/csv/trip_row_parser.hpp"
#include "tripstream/jobs/job_record.hpp"
#include "tripstream/message/trip_message.hpp"
#include "tripstream/text/utf8.hpp"

namespace {

void check_dead_letter(const tripstream::CsvRecord& record, const tripstream::RowError& error) {
    using namespace tripstream;
    const RejectedRow row{"00000000-0000-4000-8000-000000000000", "fuzz", record.line,
                          error.reason(), std::string(record.raw)};
    std::string text;
    try {
        text = to_json(row).dump();
    } catch (...) {
        std::abort();  // the producer's dead-letter record must encode whatever the row holds
    }
    RejectedRow back;
    try {
        back = rejected_row_from_json(nlohmann::json::parse(text));
    } catch (...) {
        std::abort();
    }
    const size_t kept =
        row.raw.size() < kMaxRejectedRawBytes ? row.raw.size() : kMaxRejectedRawBytes;
    if (back.raw != row.raw.substr(0, kept) || back.raw_length != row.raw.size()) std::abort();
}

}  // namespace

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
    RowError revalidation;
    TripMessage decoded;
    std::string encoded;
    std::string reason;
    const JobId job{};
    while (reader.next(record)) {
        if (!parse_trip_row(record, columns, trip, error)) {
            if (error.code.empty() || error.detail.empty()) std::abort();
            if (!is_printable_text(error.reason())) std::abort();
            check_dead_letter(record, error);
            continue;
        }
        if (!is_printable_text(trip.region) || !is_printable_text(trip.datasource)) std::abort();
        if (!validate_trip(trip, revalidation)) std::abort();
        encoded.clear();
        encode_trip_message(encoded, job, record.line, trip);
        if (!decode_trip_message(encoded, decoded, reason)) std::abort();
        if (decoded.trip.region != trip.region || decoded.trip.datasource != trip.datasource ||
            decoded.trip.time_us != trip.time_us || decoded.line != record.line) {
            std::abort();
        }
        if (!validate_trip(decoded.trip, revalidation)) std::abort();
    }
    // The decoder must also reject, never crash on, arbitrary bytes; whatever it decodes is
    // re-validated (as the consumer does) without crashing, and any reason is printable.
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    if (decode_trip_message(all, decoded, reason) && !validate_trip(decoded.trip, revalidation)) {
        if (!is_printable_text(revalidation.reason())) std::abort();
    }
    // Arbitrary bytes as a dead-letter or job record: read, or refused with
    // std::invalid_argument whose message is printable text; nothing else escapes.
    for (int kind = 0; kind < 2; ++kind) {
        try {
            if (kind == 0) {
                parse_rejected_row(all);
            } else {
                parse_job_record(all);
            }
        } catch (const std::invalid_argument& e) {
            if (!is_printable_text(e.what())) std::abort();
        } catch (...) {
            std::abort();
        }
    }
    return 0;
}
