// weekly_average against a brute-force count over the raw rows, in a scratch database of a
// few thousand generated trips: many points lie exactly on grid lines, a few ulps off them,
// or exactly on the edges of the boxes asked about. Raw rows go in as the consumer writes
// them (binary COPY, EWKB points) and the aggregate is built by the consumer's own
// TripAggregates, so the test also checks that the query's SQL cell formula agrees with
// grid_cell() bit for bit.
#include "tripstream/query/weekly_average.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "support/legacy_trips.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "support/weekly_average_oracle.hpp"
#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

const int64_t kFirstDay = days_from_civil(2018, 1, 15);  // a Monday; 11 weeks over 3 months
constexpr int kDays = 70;
constexpr int kTrips = 4000;

struct RegionSpec {
    const char* name;
    GeoPoint centre;
};
const RegionSpec kRegions[] = {{"Turin", {7.68, 45.07}}, {"Prague", {14.42, 50.08}}};

// `url` with its database name replaced (URI form, as DATABASE_URL is written).

// Coordinates that stress the cell boundaries: on a grid line, a few ulps either side,
// or anywhere near the region's centre.
class CoordinatePool {
  public:
    explicit CoordinatePool(uint64_t seed) : rng_(seed) {}

    double pick(double centre, double origin) {
        const double v = centre + std::uniform_real_distribution<double>(-0.12, 0.12)(rng_);
        const int kind = std::uniform_int_distribution<int>(0, 9)(rng_);
        if (kind >= 5) return v;
        const auto line = static_cast<int32_t>(std::floor((v - origin) / kGridStepDegrees));
        double on_line = line * kGridStepDegrees + origin;  // as grid_cell_bounds computes it
        const int ulps = kind - 2;                          // -2 .. +2
        for (int i = 0; i < std::abs(ulps); ++i)
            on_line = std::nextafter(on_line, ulps > 0 ? 1e9 : -1e9);
        return on_line;
    }
    std::mt19937_64& rng() { return rng_; }

  private:
    std::mt19937_64 rng_;
};

std::vector<std::pair<int16_t, Trip>> generate_trips() {
    CoordinatePool pool(42);
    std::vector<std::pair<int16_t, Trip>> trips;
    for (int i = 0; i < kTrips; ++i) {
        const auto region = static_cast<int16_t>(i % 2);
        const GeoPoint c = kRegions[region].centre;
        Trip t;
        t.origin = {pool.pick(c.lon, -180), pool.pick(c.lat, -90)};
        t.destination = {pool.pick(c.lon, -180), pool.pick(c.lat, -90)};
        // Ten ISO weeks with trips around a quiet fifth one (zero weeks must appear in the series).
        const auto day = std::uniform_int_distribution<int>(0, kDays - 1)(pool.rng());
        const int64_t d = kFirstDay + (day >= 28 ? day + 7 : day);
        t.time_us = (d * kSecondsPerDay + i % kSecondsPerDay) * kMicrosPerSecond;
        trips.emplace_back(static_cast<int16_t>(region + 1), t);
    }
    return trips;
}

void load(db::PgConnection& conn, const std::vector<std::pair<int16_t, Trip>>& trips) {
    conn.exec("INSERT INTO tripstream.regions (region_id, name) VALUES (1, $1), (2, $2)",
              {kRegions[0].name, kRegions[1].name});
    conn.exec("INSERT INTO tripstream.datasources (datasource_id, name) VALUES (1, 'test')");
    test::copy_trips_without_batch(conn, trips, 1, 1);
}

// A fresh database for the suite, dropped at the end.
class WeeklyAverage : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        database_ = std::make_unique<test::ScratchDatabase>("tripstream_query_it");
        conn_ = std::make_unique<db::PgConnection>(database_->url(), "weekly_average_test");
        load(*conn_, generate_trips());
    }
    static void TearDownTestSuite() {
        conn_.reset();
        database_.reset();
    }

    static inline std::unique_ptr<test::ScratchDatabase> database_;
    static inline std::unique_ptr<db::PgConnection> conn_;
};

void expect_exact(db::PgConnection& conn, const WeeklyAverageRequest& r, const std::string& what) {
    const auto got = weekly_average(conn, r);
    const auto expected = test::brute_force_weekly_average(conn, r);
    ASSERT_EQ(got.series.size(), expected.series.size()) << what;
    for (size_t i = 0; i < got.series.size(); ++i) {
        EXPECT_EQ(got.series[i].week_start_days, expected.series[i].week_start_days) << what;
        EXPECT_EQ(got.series[i].trips, expected.series[i].trips)
            << what << " week " << test::date_text(got.series[i].week_start_days);
    }
    EXPECT_EQ(got.total_trips, expected.total_trips) << what;
    EXPECT_EQ(got.weeks, static_cast<int64_t>(expected.series.size())) << what;
    if (got.weeks > 0) {
        EXPECT_DOUBLE_EQ(got.weekly_average, static_cast<double>(got.total_trips) / got.weeks);
        EXPECT_EQ(*got.to_days - *got.from_days + 1, 7 * got.weeks) << what;
    }
}

// A random box edge: often a grid line or an existing trip coordinate (so trips lie exactly
// on the edge), otherwise anywhere around the region.
GeoBox random_box(CoordinatePool& pool, GeoPoint centre, double size) {
    auto& rng = pool.rng();
    const double w = size * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const double h = size * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const double lon = pool.pick(centre.lon, -180);
    const double lat = pool.pick(centre.lat, -90);
    const bool snap = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    return {lon - w / 2, lat - h / 2, snap ? pool.pick(lon + w / 2, -180) : lon + w / 2,
            snap ? pool.pick(lat + h / 2, -90) : lat + h / 2};
}

TEST_F(WeeklyAverage, EqualsBruteForceForRandomBoxesRegionsRangesAndMatches) {
    CoordinatePool pool(7);
    auto& rng = pool.rng();
    const double sizes[] = {0.0005, 0.01, 0.06, 0.15, 0.3};  // tiny to city-size
    for (int i = 0; i < 160; ++i) {
        WeeklyAverageRequest r;
        const auto& region = kRegions[i % 2];
        if (i % 5 != 0) r.region = region.name;
        if (i % 7 != 1 || !r.region) r.bbox = random_box(pool, region.centre, sizes[i % 5]);
        if (i % 3 == 0) r.from_days = kFirstDay + std::uniform_int_distribution<int>(-10, 40)(rng);
        if (i % 4 == 0) r.to_days = kFirstDay + std::uniform_int_distribution<int>(40, 90)(rng);
        r.match = static_cast<Match>(i / 2 % 4);
        if (r.from_days && r.to_days && *r.from_days > *r.to_days)
            std::swap(r.from_days, r.to_days);
        expect_exact(*conn_, r, test::describe(r));
    }
}

TEST_F(WeeklyAverage, BoxEdgesOnGridLinesAndOnTripPoints) {
    const auto row = conn_->exec(
        "SELECT ST_X(origin), ST_Y(origin), ST_X(destination), ST_Y(destination)"
        " FROM tripstream.trips WHERE region_id = 2 LIMIT 40");
    for (int i = 0; i + 1 < PQntuples(row.get()); ++i) {
        const auto v = [&](int r, int c) { return std::stod(PQgetvalue(row.get(), r, c)); };
        WeeklyAverageRequest r;
        r.bbox = GeoBox{std::min(v(i, 0), v(i + 1, 2)), std::min(v(i, 1), v(i + 1, 3)),
                        std::max(v(i, 0), v(i + 1, 2)), std::max(v(i, 1), v(i + 1, 3))};
        r.match = static_cast<Match>(i % 4);
        expect_exact(*conn_, r, test::describe(r));
    }
}

TEST_F(WeeklyAverage, RegionWithoutBoxCountsEveryTripFromTheAggregate) {
    WeeklyAverageRequest r;
    r.region = "Prague";
    const auto got = weekly_average(*conn_, r);
    EXPECT_EQ(got.total_trips, kTrips / 2);
    EXPECT_FALSE(got.stats.raw_scan);
    expect_exact(*conn_, r, test::describe(r));
}

TEST_F(WeeklyAverage, ReadsRawRowsOnlyForBoundaryCells) {
    WeeklyAverageRequest r;
    r.region = "Turin";
    r.bbox = GeoBox{7.4, 44.8, 8.0, 45.4};  // the whole region with a margin: no boundary trips
    r.match = Match::any;
    const auto whole = weekly_average(*conn_, r);
    EXPECT_EQ(whole.total_trips, kTrips / 2);
    EXPECT_FALSE(whole.stats.raw_scan);
    r.bbox = GeoBox{7.6, 45.0, 7.76, 45.14};
    const auto city = weekly_average(*conn_, r);
    EXPECT_GT(city.stats.aggregate_trips, 0);
    EXPECT_TRUE(city.stats.raw_scan);
    expect_exact(*conn_, r, test::describe(r));
}

TEST_F(WeeklyAverage, FillsZeroWeeksAndHandlesEmptyRanges) {
    WeeklyAverageRequest r;
    r.region = "Turin";
    r.from_days = kFirstDay;
    r.to_days = kFirstDay + 20 * 7;
    const auto got = weekly_average(*conn_, r);
    EXPECT_EQ(got.weeks, 21);
    EXPECT_EQ(std::count_if(got.series.begin(), got.series.end(),
                            [](const WeekCount& w) { return w.trips == 0; }),
              21 - 10);
    expect_exact(*conn_, r, test::describe(r));
    r.from_days = kFirstDay + 400;  // after all data, open end: no weeks
    r.to_days.reset();
    const auto empty = weekly_average(*conn_, r);
    EXPECT_EQ(empty.weeks, 0);
    EXPECT_EQ(empty.weekly_average, 0.0);
}

TEST_F(WeeklyAverage, UnknownRegionNamesTheParameter) {
    WeeklyAverageRequest r;
    r.region = "Atlantis";
    try {
        weekly_average(*conn_, r);
        ADD_FAILURE() << "expected RequestError";
    } catch (const RequestError& e) {
        EXPECT_EQ(e.error().parameter, "region");
    }
    // The snapshot transaction was closed: the connection still works.
    r.region = "Turin";
    EXPECT_EQ(weekly_average(*conn_, r).total_trips, kTrips / 2);
}

}  // namespace
}  // namespace tripstream::query
