#include "tripstream/message/trip_message.hpp"

#include <bit>
#include <cstring>
#include <random>

#include "tripstream/text/hex.hpp"
#include "tripstream/text/hex_digit.hpp"

namespace tripstream {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian; add byte swapping for big-endian hosts");

template <typename T>
void put(std::string& out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
}

template <typename T>
T get(const char* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

void put_short_string(std::string& out, const std::string& s) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(s.size())));
    out.append(s);
}

}  // namespace

void encode_trip_message(std::string& out, const JobId& job_id, uint64_t line, const Trip& trip) {
    out.push_back(static_cast<char>(kTripMessageVersion));
    out.append(reinterpret_cast<const char*>(job_id.data()), job_id.size());
    put(out, line);
    put(out, trip.origin.lon);
    put(out, trip.origin.lat);
    put(out, trip.destination.lon);
    put(out, trip.destination.lat);
    put(out, trip.time_us);
    put_short_string(out, trip.region);
    put_short_string(out, trip.datasource);
}

bool decode_trip_message(std::string_view bytes, TripMessage& m, std::string& reason) {
    if (bytes.empty()) {
        reason = "empty message";
        return false;
    }
    if (static_cast<uint8_t>(bytes[0]) != kTripMessageVersion) {
        reason = "unknown message version " + std::to_string(static_cast<uint8_t>(bytes[0]));
        return false;
    }
    if (bytes.size() < kTripMessageFixedBytes) {
        reason = "message too short (" + std::to_string(bytes.size()) + " bytes)";
        return false;
    }
    const char* p = bytes.data();
    std::memcpy(m.job_id.data(), p + 1, m.job_id.size());
    m.line = get<uint64_t>(p + 17);
    m.trip.origin = {get<double>(p + 25), get<double>(p + 33)};
    m.trip.destination = {get<double>(p + 41), get<double>(p + 49)};
    m.trip.time_us = get<int64_t>(p + 57);
    const size_t region_len = static_cast<uint8_t>(p[65]);
    if (bytes.size() < 66 + region_len + 1) {
        reason = "message truncated in region";
        return false;
    }
    const size_t ds_len = static_cast<uint8_t>(p[66 + region_len]);
    if (bytes.size() != 67 + region_len + ds_len) {
        reason = "message length " + std::to_string(bytes.size()) + " does not match its fields";
        return false;
    }
    m.trip.region.assign(p + 66, region_len);
    m.trip.datasource.assign(p + 67 + region_len, ds_len);
    return true;
}

JobId new_job_id() {
    std::random_device device;
    JobId id;
    for (size_t i = 0; i < id.size(); i += 4) {
        const uint32_t r = device();
        std::memcpy(id.data() + i, &r, 4);
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0F) | 0x40);  // version 4
    id[8] = static_cast<uint8_t>((id[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return id;
}

std::string job_id_to_string(const JobId& id) {
    std::string out;
    out.reserve(36);
    for (size_t i = 0; i < id.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        append_hex_byte(out, id[i]);
    }
    return out;
}

bool parse_job_id(std::string_view text, JobId& id) {
    if (text.size() != 36) return false;
    size_t byte = 0;
    for (size_t i = 0; i < text.size();) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return false;
            ++i;
            continue;
        }
        const int hi = hex_digit_value(text[i]);
        const int lo = hex_digit_value(text[i + 1]);
        if (hi < 0 || lo < 0) return false;
        id[byte++] = static_cast<uint8_t>(hi << 4 | lo);
        i += 2;
    }
    return byte == id.size();
}

}  // namespace tripstream
