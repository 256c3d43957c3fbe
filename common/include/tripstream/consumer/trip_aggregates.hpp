// The per-batch deltas of the two pre-aggregated tables: trips by region x ISO week x
// origin cell x destination cell (tripstream.trip_cell_counts), and by region x ISO week x
// cluster x time-of-day bucket (tripstream.trip_cluster_counts).
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

    bool operator==(const CellKey&) const = default;
};

struct ClusterKey {
    int32_t week_start_days = 0;
    int16_t region_id = 0;
    int16_t cluster_id = -1;
    int16_t tod_bucket = 0;

    bool operator==(const ClusterKey&) const = default;
};

struct CellKeyHash {
    size_t operator()(const CellKey& k) const;
};
struct ClusterKeyHash {
    size_t operator()(const ClusterKey& k) const;
};

class TripAggregates {
  public:
    void add(int16_t region_id, const Trip& trip, int16_t cluster_id);
    void clear();

    const std::unordered_map<CellKey, int32_t, CellKeyHash>& cells() const { return cells_; }
    const std::unordered_map<ClusterKey, int32_t, ClusterKeyHash>& clusters() const {
        return clusters_;
    }
    // Rows (region_id, week_start, o_cell, d_cell, trips).
    void cells_to_copy(db::BinaryCopyBuffer& out) const;
    // Rows (region_id, week_start, cluster_id, tod_bucket, trips).
    void clusters_to_copy(db::BinaryCopyBuffer& out) const;

  private:
    std::unordered_map<CellKey, int32_t, CellKeyHash> cells_;
    std::unordered_map<ClusterKey, int32_t, ClusterKeyHash> clusters_;
};

}  // namespace tripstream
