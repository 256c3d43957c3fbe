#include "tripstream/query/cell_counts.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "tripstream/query/coarse_grid.hpp"

namespace tripstream::query {

CellCounts::CellCounts(std::map<std::string, int16_t> region_ids,
                       std::span<const CellCountRow> rows)
    : region_ids_(std::move(region_ids)) {
    build(slices_, rows);
}

void CellCounts::build(Slices& into, std::span<const CellCountRow> rows) {
    // Per slice and end: cell -> trips, summed over the other end.
    std::map<CellSlice, std::array<std::unordered_map<int32_t, int64_t>, 2>> sums;
    for (const CellCountRow& r : rows) {
        auto& slice = sums[{r.region_id, r.week_days}];
        slice[0][r.o_cell] += r.trips;
        slice[1][r.d_cell] += r.trips;
    }
    for (auto& [key, ends] : sums) {
        auto slice = std::make_shared<Slice>();
        for (int end = 0; end < 2; ++end) {
            auto& out = slice->ends[end];
            out.reserve(ends[end].size());
            for (const auto& [cell, trips] : ends[end])
                out.push_back({cell, static_cast<int32_t>(trips)});
            std::sort(out.begin(), out.end(),
                      [](const CellTrips& a, const CellTrips& b) { return a.cell < b.cell; });
        }
        into[key] = std::move(slice);
    }
}

CellCounts CellCounts::with_slices(std::map<std::string, int16_t> region_ids,
                                   std::span<const CellSlice> touched,
                                   std::span<const CellCountRow> rows) const {
    CellCounts next;
    next.region_ids_ = std::move(region_ids);
    next.slices_ = slices_;  // shares every slice
    for (const CellSlice& key : touched)
        next.slices_.erase(key);
    build(next.slices_, rows);
    return next;
}

CellCountsResult CellCounts::cells(const CellCountsRequest& request) const {
    CellCountsResult result = empty_cell_counts(request);
    std::optional<int16_t> region;
    if (request.region) {
        const auto it = region_ids_.find(*request.region);
        if (it == region_ids_.end()) throw unknown_region(*request.region);
        region = it->second;
    }
    const auto [first_monday, last_monday] = week_bounds(result);
    const CoarseGrid grid(request.step);
    const CoarseWindow window = grid.window(request.bbox);
    // The window's fine rows as a range of cell numbers (cells are row-major).
    const int32_t first_cell = window.first_row * request.step * kGridColumns;
    const int32_t end_cell =
        std::min((window.last_row + 1) * request.step, kGridRows) * kGridColumns;
    const auto end = static_cast<size_t>(request.end);

    std::unordered_map<int64_t, int64_t> blocks;  // row * columns + column -> trips
    const auto add_slice = [&](const Slice& slice) {
        const auto& cells = slice.ends[end];
        auto it = std::lower_bound(cells.begin(), cells.end(), first_cell,
                                   [](const CellTrips& c, int32_t cell) { return c.cell < cell; });
        for (; it != cells.end() && it->cell < end_cell; ++it) {
            const int32_t column = grid.column_of(it->cell);
            if (column < window.first_column || column > window.last_column) continue;
            blocks[static_cast<int64_t>(grid.row_of(it->cell)) * grid.columns() + column] +=
                it->trips;
        }
    };
    for (const auto& [key, slice] : slices_) {
        if (region && key.first != *region) continue;
        if (key.second < first_monday || key.second > last_monday) continue;
        add_slice(*slice);
    }
    result.cells.reserve(blocks.size());
    for (const auto& [block, trips] : blocks) {
        result.cells.push_back({static_cast<int32_t>(block % grid.columns()),
                                static_cast<int32_t>(block / grid.columns()), trips});
    }
    finish_cells(result);
    return result;
}

std::vector<RegionSummary> CellCounts::regions() const {
    std::map<int16_t, std::pair<int64_t, CellExtent>> by_id;
    for (const auto& [key, slice] : slices_) {
        auto& [trips, extent] = by_id[key.first];
        for (const CellTrips& c : slice->ends[0]) {
            trips += c.trips;
            extent.add(c.cell);
        }
        for (const CellTrips& c : slice->ends[1])
            extent.add(c.cell);
    }
    std::vector<RegionSummary> out;
    for (const auto& [name, id] : region_ids_) {
        const auto it = by_id.find(id);
        if (it == by_id.end()) {
            out.push_back({name, 0, std::nullopt});
        } else {
            out.push_back({name, it->second.first, it->second.second.box()});
        }
    }
    sort_regions(out);
    return out;
}

int64_t CellCounts::trips() const {
    int64_t total = 0;
    for (const auto& [key, slice] : slices_) {
        for (const CellTrips& c : slice->ends[0])
            total += c.trips;
    }
    return total;
}

size_t CellCounts::entries() const {
    size_t n = 0;
    for (const auto& [key, slice] : slices_)
        n += slice->ends[0].size() + slice->ends[1].size();
    return n;
}

size_t CellCounts::memory_bytes() const {
    // A std::map node is about four pointers and a colour besides its value.
    constexpr size_t kMapNode = 4 * sizeof(void*);
    size_t bytes = 0;
    for (const auto& [key, slice] : slices_) {
        bytes += kMapNode + sizeof(key) + sizeof(slice) + sizeof(Slice);
        bytes += (slice->ends[0].capacity() + slice->ends[1].capacity()) * sizeof(CellTrips);
    }
    for (const auto& [name, id] : region_ids_)
        bytes += kMapNode + sizeof(std::string) + name.capacity() + sizeof(id);
    return bytes;
}

}  // namespace tripstream::query
