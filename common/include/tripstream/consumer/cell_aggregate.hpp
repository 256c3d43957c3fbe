// The per-batch deltas of the pre-aggregated table tripstream.trip_cell_counts: trips counted
// by region, ISO week, origin cell, destination cell, time-of-day bucket and cluster.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "tripstream/db/binary_copy.hpp"

namespace tripstream {

struct CellKey {
    int32_t week_start_days = 0;  // Monday of the ISO week, days since the epoch
    int32_t o_cell = 0;
    int32_t d_cell = 0;
    int16_t region_id = 0;
    int16_t tod_bucket = 0;
    int16_t cluster_id = -1;

    bool operator==(const CellKey&) const = default;
};

struct CellKeyHash {
    size_t operator()(const CellKey& k) const;
};

class CellAggregate {
  public:
    void add(int16_t region_id, const Trip& trip, int16_t cluster_id);
    size_t size() const { return counts_.size(); }
    const std::unordered_map<CellKey, int32_t, CellKeyHash>& counts() const { return counts_; }
    // Rows (region_id, week_start, o_cell, d_cell, tod_bucket, cluster_id, trips).
    void to_copy(db::BinaryCopyBuffer& out) const;
    void clear() { counts_.clear(); }

  private:
    std::unordered_map<CellKey, int32_t, CellKeyHash> counts_;
};

}  // namespace tripstream
