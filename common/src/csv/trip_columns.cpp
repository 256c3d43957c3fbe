#include "tripstream/csv/trip_columns.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "tripstream/text/trim.hpp"

namespace tripstream {
namespace {

std::string normalise(std::string_view name) {
    std::string out(trim_blanks(name));
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

TripColumns find_trip_columns(const std::vector<std::string_view>& header) {
    static constexpr std::array<std::string_view, 5> kNames = {
        "region", "origin_coord", "destination_coord", "datetime", "datasource"};
    std::array<std::optional<size_t>, 5> found;
    for (size_t i = 0; i < header.size(); ++i) {
        const std::string name = normalise(header[i]);
        for (size_t k = 0; k < kNames.size(); ++k) {
            if (name != kNames[k]) continue;
            if (found[k]) throw HeaderError("CSV header names column '" + name + "' twice");
            found[k] = i;
        }
    }
    std::string missing;
    for (size_t k = 0; k < kNames.size(); ++k) {
        if (found[k]) continue;
        if (!missing.empty()) missing += ", ";
        missing += kNames[k];
    }
    if (!missing.empty()) {
        throw HeaderError("CSV header lacks required column(s): " + missing + " (expected " +
                          std::string(kTripCsvHeader) + ")");
    }
    return TripColumns{*found[0], *found[1], *found[2], *found[3], *found[4], header.size()};
}

}  // namespace tripstream
