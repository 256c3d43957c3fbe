#include "tripstream/query/trip_index_snapshot.hpp"

#include <algorithm>
#include <vector>

#include "tripstream/query/week_series.hpp"

namespace tripstream::query {

WeeklyAverageResult TripIndexSnapshot::weekly_average(const WeeklyAverageRequest& request) const {
    WeeklyAverageResult result;
    result.region = request.region;
    result.bbox = request.bbox;
    result.match = request.match;

    // The asked regions, as weekly_average reads them from tripstream.regions.
    std::vector<const RegionTrips*> asked;
    const auto add = [&](int16_t id) {
        if (const auto it = regions.find(id); it != regions.end() && !it->second->empty()) {
            asked.push_back(it->second.get());
        }
    };
    if (request.region) {
        const auto it = region_ids.find(*request.region);
        if (it == region_ids.end()) {
            throw RequestError(
                {"region", "unknown region '" + request.region->substr(0, 80) + "'"});
        }
        add(it->second);
    } else {
        for (const auto& [name, id] : region_ids)
            add(id);
    }

    const WeekSpan span = requested_weeks(request, [&]() -> std::optional<WeekSpan> {
        if (asked.empty()) return std::nullopt;
        WeekSpan data{asked.front()->first_week(), asked.front()->last_week()};
        for (const RegionTrips* r : asked) {
            data.first_week = std::min<int64_t>(data.first_week, r->first_week());
            data.last_week = std::max<int64_t>(data.last_week, r->last_week());
        }
        return data;
    });
    std::vector<int64_t> counts;
    if (span.first_week <= span.last_week) {
        counts.assign(static_cast<size_t>((span.last_week - span.first_week) / 7 + 1), 0);
        std::optional<BoxClassifier> box;
        if (request.bbox) box.emplace(*request.bbox, request.match);
        // Weeks of parsed dates (years 0..9999) and of stored trips fit in int32.
        const TreeQuery q{box ? &*box : nullptr, static_cast<int32_t>(span.first_week),
                          static_cast<int32_t>(span.last_week)};
        TreeCountStats stats;
        for (const RegionTrips* r : asked)
            r->count(q, counts, stats);
        result.stats.aggregate_trips = stats.whole_node_trips;
        result.stats.boundary_trips = stats.checked_trips;
        result.stats.exact_trips = stats.exact_trips;
    }
    fill_series(result, span, counts);
    return result;
}

size_t TripIndexSnapshot::trips() const {
    size_t n = 0;
    for (const auto& [id, r] : regions)
        n += r->size();
    return n;
}

size_t TripIndexSnapshot::segments() const {
    size_t n = 0;
    for (const auto& [id, r] : regions)
        n += r->segments();
    return n;
}

size_t TripIndexSnapshot::memory_bytes() const {
    size_t n = sizeof(*this);
    for (const auto& [id, r] : regions)
        n += r->memory_bytes();
    return n;
}

size_t TripIndexSnapshot::file_bytes() const {
    size_t n = 0;
    for (const auto& [id, r] : regions)
        n += r->file_bytes();
    return n;
}

}  // namespace tripstream::query
