// The consumer batches (trips.batch_id, migration 0003) that a LiveTripIndex holds, kept so
// that after a lost connection it can ask the database for exactly the batches it missed
// (docs/query.md, "Staying live and exact").
//
// Batch ids come from one sequence, but batches commit out of order: a consumer takes its id
// before its transaction, so a batch that commits while the index is disconnected may have
// an id below the newest one the index has seen. The ids below the newest one that were
// never seen (gaps) are therefore kept as well, so that "above the newest, or one of the
// gaps" names every batch the index may lack. Most gaps are ids that will never commit (a
// failed attempt retries under a new id, a batch without trips has no rows); that is why
// they are bounded (kMaxGaps) and can be forgotten once no session can commit them any more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

namespace tripstream::query {

class SeenBatches {
  public:
    // More gaps than this are not kept: the batches missed can then only be found by
    // reading every trip again (a full load).
    static constexpr size_t kMaxGaps = 4096;

    SeenBatches() = default;
    // The batches of a full load: every id below the largest one that is not in `ids` is a
    // gap (ids start at 1).
    explicit SeenBatches(const std::unordered_set<int64_t>& ids);
    // Every id from 1 to `newest` but `gaps` (as newest() and gaps() described them, e.g. for
    // an index saved to a file). Keeps one entry per id seen, as the other constructor.
    SeenBatches(int64_t newest, const std::vector<int64_t>& gaps);

    bool contains(int64_t id) const { return seen_.contains(id); }
    // Remembers an applied batch (also one without trips).
    void add(int64_t id);
    // The largest id seen; 0 when none.
    int64_t newest() const { return newest_; }
    size_t size() const { return seen_.size(); }

    // Every id below newest() that was not seen, ascending; nullopt when there were more
    // than kMaxGaps (some are then not known).
    std::optional<std::vector<int64_t>> gaps() const;
    // Forgets the gaps up to `id`: no batch can commit with one of them any more (they were
    // handed out on sessions of a server that has restarted since).
    void forget_gaps_through(int64_t id);

  private:
    void add_gaps_between(int64_t low, int64_t high);  // the ids strictly between

    std::unordered_set<int64_t> seen_;
    std::set<int64_t> gaps_;
    int64_t newest_ = 0;
    // Gaps at or below this id were too many to keep: gaps_ lacks some of them. 0: none.
    int64_t untracked_through_ = 0;
};

}  // namespace tripstream::query
