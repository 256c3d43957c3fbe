// BatchWriter's isolation of rows PostgreSQL refuses, against a real database: refused rows
// at the start, the end, side by side and scattered leave the batch, become rejected rows,
// and everything else commits with its aggregates and offsets, exactly once. The refusals
// are real (CHECK constraints on this test's scratch database, SQLSTATE 23514).
#include <gtest/gtest.h>

#include <set>

#include "support/scratch_database.hpp"
#include "tripstream/consumer/batch_writer.hpp"
#include "tripstream/db/pg_connection.hpp"

namespace tripstream {
namespace {

const std::string kTopic = "isolation-trips";

Trip trip_of(int i, bool refused) {
    Trip t;
    t.region = i % 2 == 0 ? "Prague" : "Turin";
    t.datasource = "cheap_mobile";
    t.origin = refused ? GeoPoint{13.0, 13.0} : GeoPoint{14.3 + (i % 100) * 0.001, 50.0};
    t.destination = {14.4, 50.05 + (i % 90) * 0.001};
    t.time_us = (1527465600LL + i * 3600LL) * 1000000;
    return t;
}

class PoisonIsolation : public ::testing::Test {
  protected:
    PoisonIsolation()
        : database_("tripstream_isolation_it"),
          conn_(database_.url(), "poison_isolation_test"),
          writer_({"isolation-group", "isolation-consumer", kTopic, -1}) {
        conn_.exec(
            "ALTER TABLE tripstream.trips ADD CONSTRAINT refuse_13 CHECK (ST_X(origin) <> 13.0)");
        conn_.exec(
            "ALTER TABLE tripstream.datasources ADD CONSTRAINT refuse_name"
            " CHECK (name <> 'refused_by_database')");
    }

    // A batch of `n` trips of one job; trips whose index is in `refused` are refused by the
    // database, and those in `refused_names` by the datasource table.
    TripBatch batch_of(int n, const std::set<int>& refused, const std::set<int>& refused_names) {
        TripBatch batch;
        for (int i = 0; i < n; ++i) {
            batch.note_offset(kTopic, 0, next_offset_, committed_);
            BatchTrip& t = batch.add_trip();
            t.message.job_id = job_;
            t.message.line = static_cast<uint64_t>(next_offset_);
            t.message.trip = trip_of(static_cast<int>(next_offset_), refused.count(i) > 0);
            if (refused_names.count(i) > 0) t.message.trip.datasource = "refused_by_database";
            t.offset = next_offset_;
            ++next_offset_;
        }
        return batch;
    }

    int64_t value(const std::string& sql) { return std::stoll(db::first_value(conn_.exec(sql))); }

    void write_and_check(int n, const std::set<int>& refused, const std::set<int>& names) {
        const int64_t trips_before = value("SELECT count(*) FROM tripstream.trips");
        const int64_t rejected_before = value("SELECT count(*) FROM tripstream.rejected_rows");
        const TripBatch batch = batch_of(n, refused, names);
        const WriteResult r = writer_.write(conn_, batch);
        committed_ = next_offset_;
        const int64_t bad = static_cast<int64_t>(refused.size() + names.size());
        EXPECT_EQ(static_cast<int64_t>(r.trips_inserted), n - bad);
        EXPECT_EQ(static_cast<int64_t>(r.rows_refused), bad);
        EXPECT_EQ(value("SELECT count(*) FROM tripstream.trips") - trips_before, n - bad);
        EXPECT_EQ(value("SELECT count(*) FROM tripstream.rejected_rows") - rejected_before, bad);
        // The aggregates count exactly the stored trips (no delta of a refused attempt, none
        // twice).
        EXPECT_EQ(value("SELECT coalesce(sum(trips), 0) FROM tripstream.trip_cell_counts"),
                  value("SELECT count(*) FROM tripstream.trips"));
        EXPECT_EQ(value("SELECT coalesce(sum(trips), 0) FROM tripstream.trip_cluster_counts"),
                  value("SELECT count(*) FROM tripstream.trips"));
        // The offsets advanced past the whole batch, refused rows included.
        EXPECT_EQ(value("SELECT next_offset FROM tripstream.kafka_offsets"
                        " WHERE consumer_group = 'isolation-group'"),
                  next_offset_);
        // Each refused row is a rejected row of its job, with the database's reason and the
        // trip as text.
        EXPECT_EQ(value("SELECT count(*) FROM tripstream.rejected_rows WHERE stage = 'consumer'"
                        " AND reason LIKE 'refused by the database:%' AND job_id = '" +
                        job_id_to_string(job_) + "' AND octet_length(raw) > 0" +
                        " AND kafka_topic = '" + kTopic + "'"),
                  rejected_before + bad);
        // The job's progress counts every row once.
        EXPECT_EQ(value("SELECT sum(rows_inserted + rows_rejected)"
                        " FROM tripstream.job_partition_progress"),
                  next_offset_);
    }

    test::ScratchDatabase database_;
    db::PgConnection conn_;
    BatchWriter writer_;
    JobId job_ = new_job_id();
    int64_t next_offset_ = 0;
    int64_t committed_ = kNoOffset;
};

TEST_F(PoisonIsolation, ACleanBatchCommitsWhole) {
    write_and_check(1000, {}, {});
}

TEST_F(PoisonIsolation, RefusedRowsAnywhereLeaveTheBatchAlone) {
    write_and_check(1000, {0}, {});
    write_and_check(1000, {999}, {});
    write_and_check(1000, {400, 401, 402}, {});
    write_and_check(1000, {3, 77, 500, 501, 998}, {10, 600});
    write_and_check(1, {0}, {});
    write_and_check(5, {0, 1, 2, 3, 4}, {});
    write_and_check(200, {}, {0, 199});
}

TEST_F(PoisonIsolation, NothingIsCommittedWhenTheFenceFails) {
    write_and_check(10, {}, {});
    // A batch that claims to continue from an older position is fenced: nothing of it lands.
    TripBatch stale;
    stale.note_offset(kTopic, 0, 0, kNoOffset);
    BatchTrip& t = stale.add_trip();
    t.message.job_id = job_;
    t.message.trip = trip_of(0, true);
    const int64_t trips = value("SELECT count(*) FROM tripstream.trips");
    EXPECT_THROW(writer_.write(conn_, stale), FencedError);
    EXPECT_EQ(value("SELECT count(*) FROM tripstream.trips"), trips);
    write_and_check(10, {5}, {});  // the connection is usable afterwards
}

}  // namespace
}  // namespace tripstream
