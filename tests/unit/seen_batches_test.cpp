// SeenBatches: which batch ids an index that lost its connection must look for again. The
// ids below the newest one that were never seen must be known exactly (or be known to be
// too many), whatever order the batches arrive in.
#include "tripstream/query/seen_batches.hpp"

#include <gtest/gtest.h>

namespace tripstream::query {
namespace {

using Ids = std::vector<int64_t>;

TEST(SeenBatches, AFullLoadMakesGapsOfTheIdsBelowItsNewestItDidNotRead) {
    const SeenBatches seen(std::unordered_set<int64_t>{7, 3, 4, 9});
    EXPECT_EQ(seen.newest(), 9);
    EXPECT_EQ(seen.size(), 4u);
    EXPECT_TRUE(seen.contains(3));
    EXPECT_FALSE(seen.contains(5));
    EXPECT_EQ(seen.gaps(), Ids({1, 2, 5, 6, 8}));
}

TEST(SeenBatches, NothingSeenHasNoGaps) {
    const SeenBatches seen;
    EXPECT_EQ(seen.newest(), 0);
    EXPECT_EQ(seen.gaps(), Ids{});
}

TEST(SeenBatches, BatchesArrivingOutOfOrderFillTheirGaps) {
    SeenBatches seen(std::unordered_set<int64_t>{1, 2});
    seen.add(5);  // 3 and 4 were taken by consumers that have not committed yet
    EXPECT_EQ(seen.gaps(), Ids({3, 4}));
    seen.add(4);
    seen.add(4);  // twice is once
    EXPECT_EQ(seen.gaps(), Ids({3}));
    seen.add(6);
    EXPECT_EQ(seen.gaps(), Ids({3}));
    EXPECT_EQ(seen.newest(), 6);
    EXPECT_EQ(seen.size(), 5u);
}

TEST(SeenBatches, TooManyGapsAreNotKeptUntilTheyAreForgotten) {
    SeenBatches seen;
    seen.add(1);
    seen.add(3);
    const auto far = static_cast<int64_t>(SeenBatches::kMaxGaps) + 10;
    seen.add(far);
    EXPECT_FALSE(seen.gaps().has_value()) << "more than kMaxGaps: not all known";
    seen.add(far + 3);  // gaps above the untracked ones are tracked again...
    EXPECT_FALSE(seen.gaps().has_value()) << "...but the ones below are still unknown";
    seen.forget_gaps_through(far - 2);
    EXPECT_FALSE(seen.gaps().has_value()) << "far - 1 was not forgotten";
    seen.forget_gaps_through(far);
    EXPECT_EQ(seen.gaps(), Ids({far + 1, far + 2}));
}

TEST(SeenBatches, AFullLoadWithTooManyGapsKnowsItDoesNotKnowThem) {
    const SeenBatches seen(
        std::unordered_set<int64_t>{static_cast<int64_t>(SeenBatches::kMaxGaps) + 2});
    EXPECT_FALSE(seen.gaps().has_value());
    const SeenBatches just(
        std::unordered_set<int64_t>{static_cast<int64_t>(SeenBatches::kMaxGaps) + 1});
    EXPECT_EQ(just.gaps()->size(), SeenBatches::kMaxGaps);
}

TEST(SeenBatches, TheNewestAndTheGapsDescribeTheSameBatches) {
    const SeenBatches loaded(std::unordered_set<int64_t>{2, 3, 6, 9});
    const SeenBatches again(loaded.newest(), *loaded.gaps());
    EXPECT_EQ(again.newest(), 9);
    EXPECT_EQ(again.size(), 4u);
    EXPECT_EQ(again.gaps(), Ids({1, 4, 5, 7, 8}));
    EXPECT_TRUE(again.contains(6));
    EXPECT_FALSE(again.contains(7));
}

TEST(SeenBatches, ForgettingGapsKeepsTheOnesAbove) {
    SeenBatches seen(std::unordered_set<int64_t>{2, 6});
    seen.forget_gaps_through(4);
    EXPECT_EQ(seen.gaps(), Ids({5}));
    EXPECT_TRUE(seen.contains(6));
    seen.add(9);
    EXPECT_EQ(seen.gaps(), Ids({5, 7, 8}));
}

}  // namespace
}  // namespace tripstream::query
