#include "tripstream/query/seen_batches.hpp"

#include <algorithm>

namespace tripstream::query {

SeenBatches::SeenBatches(const std::unordered_set<int64_t>& ids) {
    std::vector<int64_t> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    // Ascending, so that every id only ever extends the newest one: the gaps come out of
    // the differences, in O(n log n) however large the ids are.
    for (const int64_t id : sorted)
        add(id);
}

SeenBatches::SeenBatches(int64_t newest, const std::vector<int64_t>& gaps) {
    const std::set<int64_t> unseen(gaps.begin(), gaps.end());
    for (int64_t id = 1; id <= newest; ++id) {
        if (!unseen.contains(id)) add(id);
    }
}

void SeenBatches::add(int64_t id) {
    if (!seen_.insert(id).second) return;
    if (id > newest_) {
        add_gaps_between(newest_, id);
        newest_ = id;
    } else {
        gaps_.erase(id);
    }
}

void SeenBatches::add_gaps_between(int64_t low, int64_t high) {
    const int64_t count = high - low - 1;
    if (count <= 0) return;
    if (gaps_.size() + static_cast<size_t>(count) > kMaxGaps) {
        // Too many to keep: stop knowing them all rather than keep an unbounded set.
        untracked_through_ = high - 1;
        gaps_.clear();
        return;
    }
    for (int64_t id = low + 1; id < high; ++id)
        gaps_.insert(gaps_.end(), id);
}

std::optional<std::vector<int64_t>> SeenBatches::gaps() const {
    if (untracked_through_ > 0) return std::nullopt;
    return std::vector<int64_t>(gaps_.begin(), gaps_.end());
}

void SeenBatches::forget_gaps_through(int64_t id) {
    gaps_.erase(gaps_.begin(), gaps_.upper_bound(id));
    if (untracked_through_ <= id) untracked_through_ = 0;
}

}  // namespace tripstream::query
