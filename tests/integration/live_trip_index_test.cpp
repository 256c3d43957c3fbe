// LiveTripIndex against the database engine (query::weekly_average) on the same rows:
// trips written through the consumer's real BatchWriter (batch_id, notification), plus
// legacy rows without a batch_id. The index must answer exactly what the database engine
// answers after its first load, after following new batches (including a new region), after
// its connection is terminated or it cannot connect for a while (it keeps its snapshot and
// catches up by batch_id, batches committed out of order included, with no full load), after
// a batch whose row count differs from its notification, and after a reload notification.
// With INDEX_DIR, a restarted index starts from its saved copy and catches up by batch_id
// (no full load), and a saved copy of another database or a damaged one means a full load.
#include "tripstream/query/live_trip_index.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "support/consumer_batches.hpp"
#include "support/legacy_trips.hpp"
#include "support/scratch_database.hpp"
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
using test::kIndexRegions;

class LiveTripIndexTest : public ::testing::Test {
  protected:
    LiveTripIndexTest()
        : database_("tripstream_live_index_it"),
          conn_(database_.url(), "live_trip_index_test"),
          batches_("live-index-test", 2024) {}

    // Writes `batches` consumer batches of `trips` trips each over the first `regions`
    // regions, as the consumer does (BatchWriter, one transaction and notification each).
    void write_batches(int batches, int trips, int regions) {
        batches_.write(conn_, batches, trips, regions);
    }

    // Rows as written before migration 0003 (batch_id NULL, no notification), with their
    // aggregate rows, for the first region.
    void write_legacy_rows(int trips) {
        auto& dims = batches_.writer().dimensions();
        const int16_t region = dims.region_id(conn_, kIndexRegions[0].name);
        const int16_t datasource = dims.datasource_id(conn_, "test");
        std::vector<std::pair<int16_t, Trip>> rows;
        for (int i = 0; i < trips; ++i)
            rows.emplace_back(region, batches_.pool().trip(kIndexRegions[0]));
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
            const WeeklyAverageRequest r = batches_.pool().request(i, regions);
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

    // Ends the index's database session; returns how many were ended.
    int terminate_index_connection() {
        const auto terminated = conn_.exec(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = $2",
            {std::string(LiveTripIndex::kApplicationName), database_.name()});
        return PQntuples(terminated.get());
    }

    void start_and_wait_ready(LiveTripIndex& index) {
        index.start();
        ASSERT_TRUE(wait_for([&] { return index.stats().ready; })) << "index never ready";
    }

    // A scratch INDEX_DIR, removed afterwards.
    struct IndexDirectory {
        IndexDirectory() {
            std::string p = std::filesystem::temp_directory_path() / "tripstream-index-it-XXXXXX";
            if (::mkdtemp(p.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
            path = p;
        }
        ~IndexDirectory() { std::filesystem::remove_all(path); }
        std::string path;
    };

    LiveTripIndexOptions in_directory(const IndexDirectory& dir) {
        LiveTripIndexOptions o;
        o.storage = {dir.path, 0};  // every tree's coordinates in a file
        o.save_interval = std::chrono::seconds(1);
        return o;
    }

    test::ScratchDatabase database_;
    db::PgConnection conn_;
    test::ConsumerBatches batches_;
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

TEST_F(LiveTripIndexTest, CatchesUpAfterItsConnectionIsTerminated) {
    write_batches(5, 500, 2);
    LiveTripIndex index(database_.url(), log_);
    start_and_wait_ready(index);
    ASSERT_EQ(terminate_index_connection(), 1);
    // Written while the index reconnects: heard after its new LISTEN, or caught up.
    write_batches(3, 500, 2);
    ASSERT_TRUE(wait_for([&] {
        const auto s = index.stats();
        return s.following && s.catch_ups == 1 && s.trips == stored_trips();
    })) << "trips "
        << index.stats().trips << " of " << stored_trips();
    write_batches(2, 500, 2);
    ASSERT_TRUE(wait_for([&] { return index.stats().trips == stored_trips(); }));
    EXPECT_EQ(index.stats().reloads, 1);
    expect_same_answers(index, 150, 2);
}

TEST_F(LiveTripIndexTest, KeepsAnsweringWhileItCannotConnectAndCatchesUpWhatCommittedMeanwhile) {
    write_batches(4, 400, 2);
    // Ids taken by consumers whose batches commit later: unseen ids below the newest one.
    const int64_t late = test::take_batch_ids(conn_, 3);
    write_batches(2, 400, 2);
    LiveTripIndex index(database_.url(), log_);
    start_and_wait_ready(index);
    const int64_t loaded = stored_trips();
    const auto before = weekly_average(conn_, region_request("Turin"));

    test::ConnectionLockout lockout(database_);
    ASSERT_EQ(terminate_index_connection(), 1);
    ASSERT_TRUE(wait_for([&] { return !index.stats().following; })) << "never noticed";
    // Committed while no index connection listens: their notifications are lost. One of them
    // under an id below the newest the index saw, as a consumer that took its id early.
    write_batches(3, 400, 3);
    batches_.write_late(conn_, late + 1, 400, 2);
    std::this_thread::sleep_for(1500ms);  // failed reconnections meanwhile
    const auto stale = index.stats();
    EXPECT_TRUE(stale.ready);
    EXPECT_FALSE(stale.following);
    EXPECT_GT(stale.stale_since_unix_seconds, 0);
    EXPECT_EQ(stale.trips, loaded);  // the snapshot, as it was
    const auto answer = index.answer(region_request("Turin"));
    ASSERT_TRUE(answer.has_value()) << "the snapshot must keep answering";
    EXPECT_EQ(answer->stale_since_unix_seconds, stale.stale_since_unix_seconds);
    EXPECT_EQ(answer->result.total_trips, before.total_trips);

    lockout.end();
    ASSERT_TRUE(wait_for([&] {
        const auto s = index.stats();
        return s.following && s.trips == stored_trips();
    })) << "trips "
        << index.stats().trips << " of " << stored_trips();
    const auto caught_up = index.stats();
    EXPECT_EQ(caught_up.reloads, 1) << "caught up by batch_id, without a full load";
    EXPECT_EQ(caught_up.catch_ups, 1);
    EXPECT_EQ(caught_up.stale_since_unix_seconds, 0);
    EXPECT_EQ(caught_up.regions, 3);
    EXPECT_EQ(index.answer(region_request("Turin"))->stale_since_unix_seconds, 0);
    expect_same_answers(index, 200, 3);
    // Still following: another late batch, now notified.
    batches_.write_late(conn_, late + 2, 300, 3);
    ASSERT_TRUE(wait_for([&] { return index.stats().trips == stored_trips(); }));
    expect_same_answers(index, 60, 3);
}

TEST_F(LiveTripIndexTest, IsNotReadyWhileItCannotConnectAtStart) {
    write_batches(2, 300, 2);
    LiveTripIndex index(database_.url(), log_);
    {
        test::ConnectionLockout lockout(database_);
        index.start();
        std::this_thread::sleep_for(1500ms);
        const auto s = index.stats();
        EXPECT_FALSE(s.ready);
        EXPECT_FALSE(s.following);
        EXPECT_EQ(s.stale_since_unix_seconds, 0);
        EXPECT_FALSE(index.answer(region_request("Turin")).has_value());
    }
    ASSERT_TRUE(wait_for([&] { return index.stats().following; }));
    EXPECT_EQ(index.stats().trips, stored_trips());
    EXPECT_EQ(index.stats().reloads, 1);
}

TEST_F(LiveTripIndexTest, ReloadsWhenABatchHasAnotherRowCountThanItsNotification) {
    write_batches(3, 300, 2);
    LiveTripIndex index(database_.url(), log_);
    start_and_wait_ready(index);
    // A batch id with no rows at all, announced with three trips.
    const int64_t id = test::take_batch_ids(conn_, 1);
    conn_.exec("SELECT pg_notify('tripstream_status', $1)",
               {"{\"batch_id\": " + std::to_string(id) + ", \"trips\": 3}"});
    ASSERT_TRUE(wait_for([&] { return index.stats().reloads == 2 && index.stats().following; }));
    EXPECT_EQ(index.stats().catch_ups, 0);
    write_batches(2, 300, 2);
    ASSERT_TRUE(wait_for([&] { return index.stats().trips == stored_trips(); }));
    expect_same_answers(index, 100, 2);
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

namespace tripstream::query {
namespace {

TEST_F(LiveTripIndexTest, RestartsFromItsSavedCopyAndCatchesUpWithoutAFullLoad) {
    const IndexDirectory dir;
    write_batches(8, 1500, 2);  // enough for a tree per region (RegionTrips::kDeltaLimit)
    {
        LiveTripIndex index(database_.url(), log_, in_directory(dir));
        start_and_wait_ready(index);
        EXPECT_GT(index.stats().file_bytes, 0);
        write_batches(3, 600, 2);  // followed, then saved again
        ASSERT_TRUE(wait_for([&] {
            const auto s = index.stats();
            return s.trips == stored_trips() && s.saves >= 2;
        })) << "saves "
            << index.stats().saves;
    }
    // Committed while no index runs, one of them under an id below the newest one saved.
    const int64_t late = test::take_batch_ids(conn_, 1);
    write_batches(2, 600, 3);
    batches_.write_late(conn_, late, 600, 2);
    LiveTripIndex restarted(database_.url(), log_, in_directory(dir));
    start_and_wait_ready(restarted);
    const auto stats = restarted.stats();
    EXPECT_EQ(stats.reloads, 0) << "loaded in full instead of from the saved copy";
    EXPECT_GT(stats.saved_load_seconds, 0);
    EXPECT_EQ(stats.catch_ups, 1);
    EXPECT_EQ(stats.trips, stored_trips());
    EXPECT_EQ(stats.regions, 3);
    expect_same_answers(restarted, 300, 3);
    // And it keeps following.
    write_batches(2, 600, 3);
    ASSERT_TRUE(wait_for([&] { return restarted.stats().trips == stored_trips(); }));
    expect_same_answers(restarted, 100, 3);
}

TEST_F(LiveTripIndexTest, LoadsInFullWhenTheSavedCopyIsDamagedOrFromAnotherDatabase) {
    const IndexDirectory dir;
    write_batches(4, 500, 2);
    const std::string saved = dir.path + "/" + LiveTripIndex::kSavedFileName;
    {
        LiveTripIndex index(database_.url(), log_, in_directory(dir));
        start_and_wait_ready(index);
        ASSERT_TRUE(wait_for([&] { return index.stats().saves >= 1; }));
    }
    // Cut short: refused, full load.
    std::filesystem::resize_file(saved, std::filesystem::file_size(saved) / 2);
    {
        LiveTripIndex index(database_.url(), log_, in_directory(dir));
        start_and_wait_ready(index);
        EXPECT_EQ(index.stats().reloads, 1);
        expect_same_answers(index, 100, 2);
        ASSERT_TRUE(wait_for([&] { return index.stats().saves >= 1; }));
    }
    // Another database with other trips under the same batch ids: its own full load.
    test::ScratchDatabase other("tripstream_live_index_it_other");
    db::PgConnection other_conn(other.url(), "live_trip_index_test");
    test::ConsumerBatches other_batches("live-index-test-other", 7);
    other_batches.write(other_conn, 4, 300, 1);
    LiveTripIndex index(other.url(), log_, in_directory(dir));
    start_and_wait_ready(index);
    EXPECT_EQ(index.stats().reloads, 1);
    EXPECT_EQ(index.stats().trips, 1200);
}

}  // namespace
}  // namespace tripstream::query
