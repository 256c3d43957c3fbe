#include "tripstream/consumer/trip_aggregates.hpp"

#include "tripstream/geo/grid_cell.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream {
namespace {

constexpr uint64_t kMix = 0x9E3779B97F4A7C15ULL;

size_t finish(uint64_t h) {
    return static_cast<size_t>(h ^ (h >> 29));
}

}  // namespace

size_t CellKeyHash::operator()(const CellKey& k) const {
    uint64_t h = static_cast<uint32_t>(k.o_cell);
    h = h * kMix ^ static_cast<uint32_t>(k.d_cell);
    h = h * kMix ^ (static_cast<uint64_t>(static_cast<uint32_t>(k.week_start_days)) << 16 |
                    static_cast<uint16_t>(k.region_id));
    return finish(h * kMix);
}

size_t ClusterKeyHash::operator()(const ClusterKey& k) const {
    const uint64_t h = static_cast<uint64_t>(static_cast<uint32_t>(k.week_start_days)) << 32 |
                       static_cast<uint64_t>(static_cast<uint16_t>(k.region_id)) << 16 |
                       static_cast<uint16_t>(k.cluster_id);
    return finish((h ^ static_cast<uint64_t>(k.tod_bucket) << 60) * kMix);
}

void TripAggregates::add(int16_t region_id, const Trip& trip, int16_t cluster_id) {
    const auto week = static_cast<int32_t>(iso_week_start(days_from_micros(trip.time_us)));
    ++cells_[CellKey{week, grid_cell(trip.origin), grid_cell(trip.destination), region_id}];
    ++clusters_[ClusterKey{week, region_id, cluster_id, tod_bucket(trip.time_us)}];
}

void TripAggregates::clear() {
    cells_.clear();
    clusters_.clear();
}

void TripAggregates::cells_to_copy(db::BinaryCopyBuffer& out) const {
    for (const auto& [k, n] : cells_) {
        out.begin_row(5);
        out.add_int16(k.region_id);
        out.add_date(k.week_start_days);
        out.add_int32(k.o_cell);
        out.add_int32(k.d_cell);
        out.add_int32(n);
    }
}

void TripAggregates::clusters_to_copy(db::BinaryCopyBuffer& out) const {
    for (const auto& [k, n] : clusters_) {
        out.begin_row(5);
        out.add_int16(k.region_id);
        out.add_date(k.week_start_days);
        out.add_int16(k.cluster_id);
        out.add_int16(k.tod_bucket);
        out.add_int32(n);
    }
}

}  // namespace tripstream
