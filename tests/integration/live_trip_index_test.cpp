// LiveTripIndex against the database engine (query::weekly_average) on the same rows:
// trips written through the consumer's real BatchWriter (batch_id, notification), plus
// legacy rows without a batch_id. The index must answer exactly what the database engine
// answers after its first load, after following new batches (including a new region), after
// its connection is terminated, and after a reload notification.
#include "tripstream/query/live_trip_index.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <thread>

#include "support/legacy_trips.hpp"
#include "support/scratch_database.hpp"
#include "tripstream/consumer/batch_writer.hpp"
#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/query/weekly_average.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

WeeklyAverageRequest region_request(const std::string& region) {
    WeeklyAverageRequest r;
    r.region = region;
    return r;
}

using namespace std::chrono_literals;

const int64_t kFirstDay = days_from_civil(2019, 3, 4);  // a Monday
constexpr const char* kTopic = "live-index-test";

struct RegionSpec {
    const char* name;
    GeoPoint centre;
};
const RegionSpec kRegions[] = {
    {"Turin", {7.68, 45.07}}, {"Prague", {14.42, 50.08}}, {"Oslo", {10.75, 59.91}}};

// Coordinates with many ties and ulp neighbours, so that boxes put trips on their edges.
class TripPool {
  public:
    explicit TripPool(uint64_t seed) : rng_(seed) {}

    double coordinate(double centre) {
        const int kind = uniform(0, 9);
        double v = centre + 0.005 * uniform(-30, 30);
        if (kind < 4) return v;
        if (kind < 6) return std::nextafter(v, kind == 4 ? 1e9 : -1e9);
        return centre + std::uniform_real_distribution<double>(-0.15, 0.15)(rng_);
    }

    Trip trip(const RegionSpec& region) {
        Trip t;
        t.region = region.name;
        t.datasource = "test";
        t.origin = {coordinate(region.centre.lon), coordinate(region.centre.lat)};
        t.destination = {coordinate(region.centre.lon), coordinate(region.centre.lat)};
        const int64_t day = kFirstDay + uniform(0, 69);
        t.time_us = (day * kSecondsPerDay + uniform(0, kSecondsPerDay - 1)) * kMicrosPerSecond;
        return t;
    }

    GeoBox box(const RegionSpec& region) {
        const double a = coordinate(region.centre.lon);
        const double b = uniform(0, 4) == 0 ? a : coordinate(region.centre.lon);
        const double c = coordinate(region.centre.lat);
        const double d = uniform(0, 4) == 0 ? c : coordinate(region.centre.lat);
        return {std::min(a, b), std::min(c, d), std::max(a, b), std::max(c, d)};
    }

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  private:
    std::mt19937_64 rng_;
};

class LiveTripIndexTest : public ::testing::Test {
  protected:
    LiveTripIndexTest()
        : database_("tripstream_live_index_it"),
          conn_(database_.url(), "live_trip_index_test"),
          writer_({kTopic, "live-index-test-consumer", kTopic, -1}) {}

    // Writes `batches` consumer batches of `trips` trips each over the first `regions`
    // regions, as the consumer does (BatchWriter, one transaction and notification each).
    void write_batches(int batches, int trips, int regions) {
        for (int b = 0; b < batches; ++b) {
            TripBatch batch;
            for (int i = 0; i < trips; ++i) {
                batch.note_offset(kTopic, 0, next_offset_, committed_);
                ++next_offset_;
                BatchTrip& t = batch.add_trip();
                t.message.trip = pool_.trip(kRegions[pool_.uniform(0, regions - 1)]);
                t.message.line = static_cast<uint64_t>(next_offset_);
            }
            writer_.write(conn_, batch);
            committed_ = next_offset_;
        }
    }

    // Rows as written before migration 0003 (batch_id NULL, no notification), with their
    // aggregate rows, for the first region.
    void write_legacy_rows(int trips) {
        const int16_t region = writer_.dimensions().region_id(conn_, kRegions[0].name);
        const int16_t datasource = writer_.dimensions().datasource_id(conn_, "test");
        std::vector<std::pair<int16_t, Trip>> rows;
        for (int i = 0; i < trips; ++i)
            rows.emplace_back(region, pool_.trip(kRegions[0]));
        test::copy_trips_without_batch(conn_, rows, datasource, 0);
    }

    static bool wait_for(const std::function<bool()>& done, std::chrono::seconds timeout = 30s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }

    int64_t stored_trips() {
        return std::stoll(db::first_value(conn_.exec("SELECT count(*) FROM tripstream.trips")));
    }

    // Random requests over `regions` regions: the index's answer equals the database's.
    void expect_same_answers(LiveTripIndex& index, int requests, int regions) {
        for (int i = 0; i < requests; ++i) {
            const RegionSpec& region = kRegions[pool_.uniform(0, regions - 1)];
            WeeklyAverageRequest r;
            const int kind = i % 4;
            if (kind != 3) r.region = region.name;
            if (kind != 0) r.bbox = pool_.box(region);
            r.match = static_cast<Match>(i % 4);
            if (pool_.uniform(0, 3) == 0) r.from_days = kFirstDay + pool_.uniform(-10, 80);
            if (pool_.uniform(0, 3) == 0) r.to_days = kFirstDay + pool_.uniform(0, 90);
            if (r.from_days && r.to_days && *r.from_days > *r.to_days) {
                std::swap(r.from_days, r.to_days);
            }
            const auto expected = weekly_average(conn_, r);
            const auto got = index.weekly_average(r);
            ASSERT_TRUE(got.has_value()) << "index not ready";
            ASSERT_EQ(got->weeks, expected.weeks) << "request " << i;
            EXPECT_EQ(got->from_days, expected.from_days) << "request " << i;
            EXPECT_EQ(got->to_days, expected.to_days) << "request " << i;
            EXPECT_EQ(got->total_trips, expected.total_trips) << "request " << i;
            EXPECT_EQ(got->weekly_average, expected.weekly_average) << "request " << i;
            for (size_t w = 0; w < expected.series.size(); ++w) {
                EXPECT_EQ(got->series[w].week_start_days, expected.series[w].week_start_days);
                EXPECT_EQ(got->series[w].trips, expected.series[w].trips)
                    << "request " << i << " week "
                    << format_date(expected.series[w].week_start_days);
            }
        }
    }

    void start_and_wait_ready(LiveTripIndex& index) {
        index.start();
        ASSERT_TRUE(wait_for([&] { return index.stats().ready; })) << "index never ready";
    }

    test::ScratchDatabase database_;
    db::PgConnection conn_;
    BatchWriter writer_;
    TripPool pool_{2024};
    int64_t next_offset_ = 0;
    int64_t committed_ = kNoOffset;
    Logger log_{"live_trip_index_test", LogLevel::warn};
};

TEST_F(LiveTripIndexTest, AnswersLikeTheDatabaseAfterLoading) {
    write_legacy_rows(200);
    write_batches(10, 800, 2);
    LiveTripIndex index(database_.url(), log_);
    EXPECT_FALSE(index.weekly_average(region_request("Turin")).has_value());
    start_and_wait_ready(index);
    const auto stats = index.stats();
    EXPECT_EQ(stats.trips, stored_trips());
    EXPECT_EQ(stats.regions, 2);
    EXPECT_EQ(stats.reloads, 1);
    EXPECT_GT(stats.memory_bytes, 0);
    expect_same_answers(index, 300, 2);
    EXPECT_THROW(index.weekly_average(region_request("Atlantis")), RequestError);
    index.stop();
    EXPECT_FALSE(index.stats().ready);
    EXPECT_FALSE(index.weekly_average(region_request("Turin")).has_value());
}

TEST_F(LiveTripIndexTest, FollowsNewBatchesIncludingANewRegion) {
    write_batches(4, 500, 2);
    LiveTripIndex index(database_.url(), log_);
    start_and_wait_ready(index);
    // Notifications from other senders (no batch_id) are ignored, not taken for breakage.
    conn_.exec("SELECT pg_notify('tripstream_status', '{\"consumer\": \"someone\"}')");
    conn_.exec("SELECT pg_notify('tripstream_status', 'not json')");
    conn_.exec("NOTIFY tripstream_index, 'something else'");
    // Enough trips per region to turn deltas into tree segments and merge them.
    write_batches(30, 700, 3);
    ASSERT_TRUE(wait_for([&] { return index.stats().batches_applied >= 30; }))
        << "applied " << index.stats().batches_applied;
    const auto stats = index.stats();
    EXPECT_TRUE(stats.ready);
    EXPECT_EQ(stats.trips, stored_trips());
    EXPECT_EQ(stats.regions, 3);
    EXPECT_GE(stats.segments, 3);  // one tree per region at least
    EXPECT_EQ(stats.reloads, 1);
    expect_same_answers(index, 300, 3);
}

TEST_F(LiveTripIndexTest, ReloadsAfterItsConnectionIsTerminated) {
    write_batches(5, 500, 2);
    LiveTripIndex index(database_.url(), log_);
    start_and_wait_ready(index);
    const auto terminated = conn_.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = $1 AND datname = $2",
        {std::string(LiveTripIndex::kApplicationName), database_.name()});
    ASSERT_EQ(PQntuples(terminated.get()), 1);
    // Written while the index reconnects: the reload must pick them up.
    write_batches(3, 500, 2);
    ASSERT_TRUE(wait_for([&] { return index.stats().reloads >= 2 && index.stats().ready; }));
    write_batches(2, 500, 2);
    ASSERT_TRUE(wait_for([&] { return index.stats().trips == stored_trips(); }));
    expect_same_answers(index, 150, 2);
}

TEST_F(LiveTripIndexTest, ReloadsOnRequest) {
    write_batches(3, 300, 2);
    LiveTripIndex index(database_.url(), log_);
    start_and_wait_ready(index);
    // Deleted rows stay in the append-only index until a reload.
    conn_.exec(
        "DELETE FROM tripstream.trips WHERE region_id ="
        " (SELECT region_id FROM tripstream.regions WHERE name = 'Prague')");
    EXPECT_GT(index.stats().trips, stored_trips());
    conn_.exec("NOTIFY tripstream_index, 'reload'");
    ASSERT_TRUE(wait_for([&] { return index.stats().reloads >= 2 && index.stats().ready; }));
    EXPECT_EQ(index.stats().trips, stored_trips());
}

}  // namespace
}  // namespace tripstream::query
