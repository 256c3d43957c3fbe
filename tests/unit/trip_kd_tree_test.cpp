// The in-memory weekly-average index against brute force: TripKdTree, RegionTrips (tree
// segments plus a delta) and TripIndexSnapshot must count exactly the trips a plain loop
// counts, for random trips with many shared and ulp-adjacent coordinates, boxes whose
// edges lie on trip coordinates (or an ulp off them), degenerate boxes, all four match
// values and week ranges that cut the data or miss it.
#include "tripstream/query/trip_kd_tree.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <vector>

#include "tripstream/query/box_classifier.hpp"
#include "tripstream/query/region_trips.hpp"
#include "tripstream/query/trip_index_file.hpp"
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

// A directory for coordinate files, removed with its files (already unnamed) afterwards.
class ScratchDirectory {
  public:
    ScratchDirectory() {
        std::string path = (std::filesystem::temp_directory_path() / "tripstream-test-XXXXXX");
        if (::mkdtemp(path.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = path;
    }
    ~ScratchDirectory() { std::filesystem::remove_all(path_); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// Every tree keeps its coordinates in a file, however small.
IndexStorage in_files(const ScratchDirectory& dir) {
    return {dir.path(), 0};
}

void expect_tree_equals_brute_force(size_t n, uint64_t seed, int queries,
                                    const IndexStorage& storage = {}) {
    TripMaker make(seed);
    const auto trips = make.trips(n, 1, 30);
    const TripKdTree tree(trips, storage);
    ASSERT_EQ(tree.file_bytes(), storage.directory.empty() ? 0 : n * sizeof(TripEnds));
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

// The exact coordinates read back from a file decide the ambiguous trips just as well.
TEST(TripKdTree, TreesWithCoordinateFilesMatchBruteForce) {
    const ScratchDirectory dir;
    for (size_t n : {1, 64, 65})
        expect_tree_equals_brute_force(n, 200 + n, 200, in_files(dir));
    expect_tree_equals_brute_force(5000, 208, 300, in_files(dir));
    expect_tree_equals_brute_force(40000, 209, 200, {dir.path(), 10000});
}

TEST(TripKdTree, MissingCoordinateDirectoryIsAnError) {
    TripMaker make(5);
    const auto trips = make.trips(100, 1, 3);
    EXPECT_THROW(TripKdTree(trips, {"/nonexistent/tripstream-index", 0}), IoError);
}

// Coordinates on a dyadic grid fine enough that box edges on the same grid fall exactly on
// the leaves' code boundaries (lo + m * 2^-shift, leaf_codes.hpp), and one ulp either side:
// the codes of a trip and an edge are then equal, or differ by one, exactly where the
// decision is closest.
TEST(TripKdTree, BoxEdgesOnQuantizationBoundariesMatchBruteForce) {
    const ScratchDirectory dir;
    std::mt19937_64 rng(77);
    const auto grid = [&](double base, int steps) {
        return base + std::ldexp(static_cast<double>(rng() % static_cast<uint64_t>(steps)), -24);
    };
    std::vector<IndexedTrip> trips;
    for (int i = 0; i < 20000; ++i) {
        trips.push_back({1,
                         kFirstMonday + 7 * static_cast<int32_t>(rng() % 5),
                         {grid(14.0, 4000), grid(50.0, 4000)},
                         {grid(14.0, 4000), grid(50.0, 4000)}});
    }
    for (const IndexStorage& storage : {IndexStorage{}, in_files(dir)}) {
        const TripKdTree tree(trips, storage);
        for (int q = 0; q < 400; ++q) {
            const auto edge = [&](double base) {
                double v = grid(base, 4000);
                const int nudge = static_cast<int>(rng() % 3);
                if (nudge == 1) v = std::nextafter(v, 1e9);
                if (nudge == 2) v = std::nextafter(v, -1e9);
                return v;
            };
            const double a = edge(14.0), b = edge(14.0), c = edge(50.0), d = edge(50.0);
            const GeoBox box{std::min(a, b), std::min(c, d), std::max(a, b), std::max(c, d)};
            const Match m = kMatches[q % 4];
            const BoxClassifier classifier(box, m);
            std::vector<int64_t> counts(5, 0);
            TreeCountStats stats;
            tree.count({&classifier, kFirstMonday, kFirstMonday + 28}, counts, stats);
            ASSERT_EQ(counts, brute_counts(trips, &box, m, kFirstMonday, kFirstMonday + 28))
                << "query " << q << " match " << match_name(m) << " in file "
                << !storage.directory.empty();
        }
    }
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
    const ScratchDirectory dir;
    const TripKdTree tree(trips, in_files(dir));
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
// Merges read the older segments' coordinates back from their files.
TEST(RegionTrips, GrowingRegionMatchesBruteForce) {
    TripMaker make(21);
    std::vector<IndexedTrip> all;
    const ScratchDirectory dir;
    std::shared_ptr<const RegionTrips> region = RegionTrips::of({}, {dir.path(), 5000});
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
    EXPECT_GT(region->file_bytes(), 0u);
    EXPECT_LE(region->segments(), 2 * static_cast<size_t>(std::log2(all.size())));
    EXPECT_LT(region->delta_size(), RegionTrips::kDeltaLimit);
}

// A saved index (trip_index_file.hpp) loads back into the same answers, keeps growing, and a
// file that is cut short, foreign or of another version is refused, never half-read.
class SavedIndexFile : public ::testing::Test {
  protected:
    void SetUp() override {
        TripMaker make(41);
        std::shared_ptr<const RegionTrips> region = RegionTrips::of({}, {dir_.path(), 3000});
        // A big segment, a smaller one (not merged: more than twice smaller), and a delta.
        for (const size_t n : {20000, 5000, 1000}) {
            const auto added = make.trips(n, 1, 20);
            trips_.insert(trips_.end(), added.begin(), added.end());
            region = region->with(added);
        }
        ASSERT_GT(region->delta_size(), 0u);
        ASSERT_GE(region->segments(), 2u);
        snapshot_.region_ids = {{"Prague", 1}, {"Empty", 2}};
        snapshot_.regions[1] = region;
        path_ = dir_.path() + "/index";
        save_index(path_, snapshot_, {"db-1", 42, {7, 9}});
    }

    void expect_answers(const RegionTrips& region, const std::vector<IndexedTrip>& trips,
                        uint64_t seed) {
        TripMaker make(seed);
        for (int q = 0; q < 200; ++q) {
            const GeoBox box = make.box(trips);
            const Match m = kMatches[q % 4];
            const BoxClassifier c(box, m);
            const int32_t first = kFirstMonday + 7 * make.uniform(-2, 10);
            const int32_t last = first + 7 * make.uniform(0, 15);
            std::vector<int64_t> counts(static_cast<size_t>((last - first) / 7 + 1), 0);
            TreeCountStats stats;
            region.count({&c, first, last}, counts, stats);
            ASSERT_EQ(counts, brute_counts(trips, &box, m, first, last)) << "query " << q;
        }
    }

    void cut(uintmax_t size) { std::filesystem::resize_file(path_, size); }

    ScratchDirectory dir_;
    std::string path_;
    TripIndexSnapshot snapshot_;
    std::vector<IndexedTrip> trips_;
};

TEST_F(SavedIndexFile, LoadsBackTheSameAnswersAndOrigin) {
    const auto saved = load_index(path_, {dir_.path(), 3000});
    ASSERT_TRUE(saved.has_value());
    EXPECT_EQ(saved->origin.database, "db-1");
    EXPECT_EQ(saved->origin.newest_batch, 42);
    EXPECT_EQ(saved->origin.gaps, (std::vector<int64_t>{7, 9}));
    EXPECT_EQ(saved->snapshot->region_ids, snapshot_.region_ids);
    const auto& region = *saved->snapshot->regions.at(1);
    EXPECT_EQ(region.size(), trips_.size());
    EXPECT_EQ(region.segments(), snapshot_.regions.at(1)->segments());
    EXPECT_EQ(region.delta_size(), snapshot_.regions.at(1)->delta_size());
    expect_answers(region, trips_, 42);
}

// New trips merge with loaded segments, whose coordinates come from the saved file.
TEST_F(SavedIndexFile, LoadedRegionKeepsGrowing) {
    auto region = load_index(path_, {dir_.path(), 3000})->snapshot->regions.at(1);
    TripMaker make(43);
    for (int step = 0; step < 10; ++step) {
        const auto added = make.trips(4000, 1, 20);
        trips_.insert(trips_.end(), added.begin(), added.end());
        region = region->with(added);
    }
    expect_answers(*region, trips_, 44);
}

TEST_F(SavedIndexFile, MissingFileIsNoIndex) {
    EXPECT_FALSE(load_index(dir_.path() + "/nothing", {}).has_value());
}

TEST_F(SavedIndexFile, TruncatedFileIsRefused) {
    const auto size = std::filesystem::file_size(path_);
    for (const uintmax_t keep : {size - 1, size - 8, size / 2, uintmax_t{100}, uintmax_t{12},
                                 uintmax_t{3}, uintmax_t{0}}) {
        save_index(path_, snapshot_, {"db-1", 42, {}});
        cut(keep);
        EXPECT_THROW(load_index(path_, {}), IoError) << "cut to " << keep << " bytes";
    }
}

TEST_F(SavedIndexFile, ForeignOrOtherVersionFileIsRefused) {
    {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out << "region,origin,destination\n";
    }
    EXPECT_THROW(load_index(path_, {}), IoError);
    save_index(path_, snapshot_, {"db-1", 42, {}});
    {
        std::fstream f(path_, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(8);  // the version, after the magic
        const uint32_t other = 999;
        f.write(reinterpret_cast<const char*>(&other), sizeof other);
    }
    EXPECT_THROW(load_index(path_, {}), IoError);
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
