// The in-memory weekly-average index against brute force: TripKdTree, RegionTrips (tree
// segments plus a delta) and TripIndexSnapshot must count exactly the trips a plain loop
// counts, for random trips with many shared and ulp-adjacent coordinates, boxes whose
// edges lie on trip coordinates (or an ulp off them), degenerate boxes, all four match
// values and week ranges that cut the data or miss it.
#include "tripstream/query/trip_kd_tree.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "tripstream/query/box_classifier.hpp"
#include "tripstream/query/region_trips.hpp"
#include "tripstream/query/trip_index_snapshot.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

const int32_t kFirstMonday = static_cast<int32_t>(days_from_civil(2024, 1, 1));  // a Monday
constexpr Match kMatches[] = {Match::origin, Match::destination, Match::both, Match::any};

// Written out independently of the index's own predicate.
bool brute_match(const IndexedTrip& t, const GeoBox& b, Match m) {
    const bool o = t.origin.lon >= b.min_lon && t.origin.lon <= b.max_lon &&
                   t.origin.lat >= b.min_lat && t.origin.lat <= b.max_lat;
    const bool d = t.destination.lon >= b.min_lon && t.destination.lon <= b.max_lon &&
                   t.destination.lat >= b.min_lat && t.destination.lat <= b.max_lat;
    if (m == Match::origin) return o;
    if (m == Match::destination) return d;
    if (m == Match::both) return o && d;
    return o || d;
}

std::vector<int64_t> brute_counts(const std::vector<IndexedTrip>& trips, const GeoBox* box, Match m,
                                  int32_t first, int32_t last) {
    std::vector<int64_t> counts(static_cast<size_t>((last - first) / 7 + 1), 0);
    for (const IndexedTrip& t : trips) {
        if (t.week < first || t.week > last) continue;
        if (box != nullptr && !brute_match(t, *box, m)) continue;
        ++counts[static_cast<size_t>((t.week - first) / 7)];
    }
    return counts;
}

class TripMaker {
  public:
    explicit TripMaker(uint64_t seed) : rng_(seed) {}

    // A coordinate near `centre`: from a small set of values (ties), a few ulps off them,
    // or anywhere within +-0.3.
    double coordinate(double centre) {
        const int kind = uniform(0, 9);
        if (kind < 4) return centre + 0.01 * uniform(-20, 20);
        if (kind < 6) {
            double v = centre + 0.01 * uniform(-20, 20);
            for (int i = uniform(1, 3); i > 0; --i)
                v = std::nextafter(v, kind == 4 ? 1e9 : -1e9);
            return v;
        }
        return centre + std::uniform_real_distribution<double>(-0.3, 0.3)(rng_);
    }

    std::vector<IndexedTrip> trips(size_t n, int16_t region, int weeks) {
        std::vector<IndexedTrip> out;
        for (size_t i = 0; i < n; ++i) {
            IndexedTrip t;
            t.region_id = region;
            // Every third week empty: zero weeks inside the data's range.
            int w = uniform(0, weeks - 1);
            if (w % 3 == 1) w = 0;
            t.week = kFirstMonday + 7 * w;
            t.origin = {coordinate(14.4), coordinate(50.1)};
            // Some trips go nowhere, some share their origin's longitude.
            if (uniform(0, 9) == 0) {
                t.destination = t.origin;
            } else {
                t.destination = {uniform(0, 9) == 0 ? t.origin.lon : coordinate(14.4),
                                 coordinate(50.1)};
            }
            out.push_back(t);
        }
        return out;
    }

    // A box whose edges come from the trips' own coordinates (exactly, or an ulp off), from
    // random values, or make it degenerate.
    GeoBox box(const std::vector<IndexedTrip>& trips) {
        const auto pick = [&](bool lon) {
            const IndexedTrip& t =
                trips[static_cast<size_t>(uniform(0, static_cast<int>(trips.size()) - 1))];
            const GeoPoint& p = uniform(0, 1) == 0 ? t.origin : t.destination;
            double v = lon ? p.lon : p.lat;
            const int kind = uniform(0, 5);
            if (kind == 0) v = std::nextafter(v, 1e9);
            if (kind == 1) v = std::nextafter(v, -1e9);
            if (kind == 2) v = coordinate(lon ? 14.4 : 50.1);
            return v;
        };
        double a = pick(true), b = pick(true), c = pick(false), d = pick(false);
        const int shape = uniform(0, 9);
        if (shape == 0) b = a;         // zero width
        if (shape == 1) d = c;         // zero height
        if (shape == 2) b = a, d = c;  // a point
        return {std::min(a, b), std::min(c, d), std::max(a, b), std::max(c, d)};
    }

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  private:
    std::mt19937_64 rng_;
};

void expect_tree_equals_brute_force(size_t n, uint64_t seed, int queries) {
    TripMaker make(seed);
    const auto trips = make.trips(n, 1, 30);
    const TripKdTree tree(trips);
    ASSERT_EQ(tree.size(), n);
    for (int i = 0; i < queries; ++i) {
        const GeoBox box = make.box(trips);
        const Match match = kMatches[i % 4];
        const BoxClassifier classifier(box, match);
        // Week ranges: everything, a cut, one week, and one before all data.
        const int a = make.uniform(-3, 32);
        const int b = make.uniform(a, 34);
        const int32_t first = kFirstMonday + 7 * a;
        const int32_t last = kFirstMonday + 7 * b;
        std::vector<int64_t> counts(static_cast<size_t>(b - a + 1), 0);
        TreeCountStats stats;
        tree.count({&classifier, first, last}, counts, stats);
        ASSERT_EQ(counts, brute_counts(trips, &box, match, first, last))
            << "n " << n << " query " << i << " match " << match_name(match) << " box "
            << box.min_lon << "," << box.min_lat << "," << box.max_lon << "," << box.max_lat;
        std::vector<int64_t> all(counts.size(), 0);
        tree.count({nullptr, first, last}, all, stats);
        ASSERT_EQ(all, brute_counts(trips, nullptr, match, first, last));
    }
}

TEST(TripKdTree, TinyTreesMatchBruteForce) {
    for (size_t n : {1, 2, 3, 63, 64, 65, 129})
        expect_tree_equals_brute_force(n, 100 + n, 300);
}

TEST(TripKdTree, TreesWithHistogramsMatchBruteForce) {
    expect_tree_equals_brute_force(300, 7, 400);
    expect_tree_equals_brute_force(5000, 8, 400);
    expect_tree_equals_brute_force(40000, 9, 300);
}

TEST(TripKdTree, AllTripsAtOnePoint) {
    std::vector<IndexedTrip> trips(1000, IndexedTrip{1, kFirstMonday, {14.4, 50.1}, {14.4, 50.1}});
    const TripKdTree tree(trips);
    for (Match m : kMatches) {
        for (const GeoBox& box : {GeoBox{14.4, 50.1, 14.4, 50.1}, GeoBox{14.3, 50.0, 14.4, 50.1},
                                  GeoBox{std::nextafter(14.4, 99.0), 50.1, 15, 50.1},
                                  GeoBox{14.4, 50.0, 14.4, std::nextafter(50.1, 0.0)}}) {
            const BoxClassifier c(box, m);
            std::vector<int64_t> counts(1, 0);
            TreeCountStats stats;
            tree.count({&c, kFirstMonday, kFirstMonday}, counts, stats);
            EXPECT_EQ(counts[0], brute_counts(trips, &box, m, kFirstMonday, kFirstMonday)[0]);
        }
    }
}

TEST(TripKdTree, BoxesAroundEverythingCountWholeNodes) {
    TripMaker make(11);
    const auto trips = make.trips(20000, 1, 10);
    const TripKdTree tree(trips);
    const GeoBox world{-180, -90, 180, 90};
    const BoxClassifier c(world, Match::both);
    std::vector<int64_t> counts(10, 0);
    TreeCountStats stats;
    tree.count({&c, kFirstMonday, kFirstMonday + 63}, counts, stats);
    int64_t total = 0;
    for (int64_t v : counts)
        total += v;
    EXPECT_EQ(total, 20000);
    EXPECT_EQ(stats.whole_node_trips, 20000);
    EXPECT_EQ(stats.checked_trips, 0);
}

TEST(TripKdTree, MergedTreesKeepEveryTrip) {
    TripMaker make(12);
    const auto trips = make.trips(3000, 4, 10);
    const TripKdTree tree(trips);
    std::vector<IndexedTrip> back;
    tree.append_to(back, 4);
    ASSERT_EQ(back.size(), trips.size());
    const auto key = [](const IndexedTrip& t) {
        return std::tuple(t.week, t.origin.lon, t.origin.lat, t.destination.lon, t.destination.lat);
    };
    std::vector<decltype(key(trips[0]))> a, b;
    for (const auto& t : trips)
        a.push_back(key(t));
    for (const auto& t : back)
        b.push_back(key(t));
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b);
}

// Trips added in many small steps (deltas, segments, merges) count like one brute-force list.
TEST(RegionTrips, GrowingRegionMatchesBruteForce) {
    TripMaker make(21);
    std::vector<IndexedTrip> all;
    std::shared_ptr<const RegionTrips> region = RegionTrips::of({});
    size_t max_segments = 0;
    for (int step = 0; step < 60; ++step) {
        const auto added = make.trips(static_cast<size_t>(make.uniform(1, 1500)), 1, 20);
        all.insert(all.end(), added.begin(), added.end());
        region = region->with(added);
        ASSERT_EQ(region->size(), all.size());
        max_segments = std::max(max_segments, region->segments());
        for (int q = 0; q < 20; ++q) {
            const GeoBox box = make.box(all);
            const Match m = kMatches[q % 4];
            const BoxClassifier c(box, m);
            const int32_t first = kFirstMonday + 7 * make.uniform(-2, 10);
            const int32_t last = first + 7 * make.uniform(0, 15);
            std::vector<int64_t> counts(static_cast<size_t>((last - first) / 7 + 1), 0);
            TreeCountStats stats;
            region->count({&c, first, last}, counts, stats);
            ASSERT_EQ(counts, brute_counts(all, &box, m, first, last)) << "step " << step;
        }
    }
    EXPECT_GE(max_segments, 2u);
    EXPECT_LE(region->segments(), 2 * static_cast<size_t>(std::log2(all.size())));
    EXPECT_LT(region->delta_size(), RegionTrips::kDeltaLimit);
}

// The whole answer: regions, week range defaults and limits, zero weeks.
class Snapshot : public ::testing::Test {
  protected:
    void SetUp() override {
        TripMaker make(31);
        prague_ = make.trips(6000, 1, 12);
        turin_ = make.trips(300, 2, 5);
        for (auto& t : turin_)
            t.week += 7 * 20;  // later weeks than Prague's
        snapshot_.region_ids = {{"Prague", 1}, {"Turin", 2}, {"Empty", 3}};
        snapshot_.regions[1] = RegionTrips::of(prague_);
        snapshot_.regions[2] = RegionTrips::of(turin_);
    }

    TripIndexSnapshot snapshot_;
    std::vector<IndexedTrip> prague_;
    std::vector<IndexedTrip> turin_;
};

TEST_F(Snapshot, RegionAndBoxAnswersMatchBruteForce) {
    TripMaker make(32);
    std::vector<IndexedTrip> both = prague_;
    both.insert(both.end(), turin_.begin(), turin_.end());
    for (int i = 0; i < 200; ++i) {
        WeeklyAverageRequest r;
        const int kind = i % 3;
        if (kind != 2) r.region = "Prague";
        if (kind != 0) r.bbox = make.box(prague_);
        r.match = kMatches[i % 4];
        if (i % 5 == 1) r.from_days = kFirstMonday + make.uniform(-10, 100);
        if (i % 7 == 1) r.to_days = kFirstMonday + make.uniform(0, 200);
        if (r.from_days && r.to_days && *r.from_days > *r.to_days)
            std::swap(r.from_days, r.to_days);
        const auto result = snapshot_.weekly_average(r);
        const auto& trips = r.region ? prague_ : both;
        int32_t first =
            r.from_days ? static_cast<int32_t>(iso_week_start(*r.from_days)) : kFirstMonday;
        int32_t last = r.to_days ? static_cast<int32_t>(iso_week_start(*r.to_days))
                                 : (r.region ? kFirstMonday + 7 * 11 : kFirstMonday + 7 * 24);
        if (!r.from_days) {
            first = INT32_MAX;
            for (const auto& t : trips)
                first = std::min(first, t.week);
        }
        if (!r.to_days) {
            last = INT32_MIN;
            for (const auto& t : trips)
                last = std::max(last, t.week);
        }
        if (first > last) {
            EXPECT_EQ(result.weeks, 0);
            continue;
        }
        const auto expected =
            brute_counts(trips, r.bbox ? &*r.bbox : nullptr, r.match, first, last);
        ASSERT_EQ(result.weeks, static_cast<int64_t>(expected.size()));
        EXPECT_EQ(result.from_days, first);
        EXPECT_EQ(result.to_days, last + 6);
        int64_t total = 0;
        for (size_t w = 0; w < expected.size(); ++w) {
            EXPECT_EQ(result.series[w].week_start_days, first + 7 * static_cast<int64_t>(w));
            EXPECT_EQ(result.series[w].trips, expected[w]) << "request " << i << " week " << w;
            total += expected[w];
        }
        EXPECT_EQ(result.total_trips, total);
        EXPECT_DOUBLE_EQ(result.weekly_average,
                         static_cast<double>(total) / static_cast<double>(expected.size()));
        EXPECT_FALSE(result.stats.raw_scan);
    }
}

TEST_F(Snapshot, UnknownRegionIsARequestError) {
    WeeklyAverageRequest r;
    r.region = "Atlantis";
    try {
        snapshot_.weekly_average(r);
        FAIL() << "no RequestError";
    } catch (const RequestError& e) {
        EXPECT_EQ(e.error().parameter, "region");
    }
}

TEST_F(Snapshot, RegionWithoutTripsHasNoWeeksUnlessBothEndsAreGiven) {
    WeeklyAverageRequest r;
    r.region = "Empty";
    EXPECT_EQ(snapshot_.weekly_average(r).weeks, 0);
    r.from_days = kFirstMonday;
    EXPECT_EQ(snapshot_.weekly_average(r).weeks, 0);  // the data gives no end: no weeks
    r.to_days = kFirstMonday + 13;
    const auto result = snapshot_.weekly_average(r);
    EXPECT_EQ(result.weeks, 2);
    EXPECT_EQ(result.total_trips, 0);
    EXPECT_EQ(result.weekly_average, 0);
}

TEST_F(Snapshot, OverLongRangeIsARequestError) {
    WeeklyAverageRequest r;
    r.region = "Prague";
    r.from_days = kFirstMonday - 7 * kMaxWeeks;
    try {
        snapshot_.weekly_average(r);
        FAIL() << "no RequestError";
    } catch (const RequestError& e) {
        EXPECT_EQ(e.error().parameter, "from");
    }
}

}  // namespace
}  // namespace tripstream::query
