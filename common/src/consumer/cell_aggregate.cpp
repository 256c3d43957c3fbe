#include "tripstream/consumer/cell_aggregate.hpp"

#include "tripstream/geo/grid_cell.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream {

size_t CellKeyHash::operator()(const CellKey& k) const {
    uint64_t h = static_cast<uint32_t>(k.o_cell);
    h = h * 0x9E3779B97F4A7C15ULL ^ static_cast<uint32_t>(k.d_cell);
    h = h * 0x9E3779B97F4A7C15ULL ^ static_cast<uint32_t>(k.week_start_days);
    h = h * 0x9E3779B97F4A7C15ULL ^
        (static_cast<uint64_t>(static_cast<uint16_t>(k.region_id)) << 32 |
         static_cast<uint64_t>(static_cast<uint16_t>(k.tod_bucket)) << 16 |
         static_cast<uint16_t>(k.cluster_id));
    return static_cast<size_t>(h ^ (h >> 29));
}

void CellAggregate::add(int16_t region_id, const Trip& trip, int16_t cluster_id) {
    const CellKey key{static_cast<int32_t>(iso_week_start(days_from_micros(trip.time_us))),
                      grid_cell(trip.origin),
                      grid_cell(trip.destination),
                      region_id,
                      tod_bucket(trip.time_us),
                      cluster_id};
    ++counts_[key];
}

void CellAggregate::to_copy(db::BinaryCopyBuffer& out) const {
    for (const auto& [k, n] : counts_) {
        out.begin_row(7);
        out.add_int16(k.region_id);
        out.add_date(k.week_start_days);
        out.add_int32(k.o_cell);
        out.add_int32(k.d_cell);
        out.add_int16(k.tod_bucket);
        out.add_int16(k.cluster_id);
        out.add_int32(n);
    }
}

}  // namespace tripstream
