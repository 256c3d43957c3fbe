#include "tripstream/consumer/trip_batch.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/db/binary_copy.hpp"
#include "tripstream/geo/grid_cell.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream {
namespace {

TEST(TripBatch, TracksTheOffsetRangeOfEveryPartition) {
    TripBatch batch;
    EXPECT_TRUE(batch.empty());
    batch.note_offset("trips", 0, 100, kNoOffset);
    batch.note_offset("trips", 1, 7, kNoOffset);
    batch.note_offset("trips", 0, 101, kNoOffset);
    batch.note_offset("trips", 0, 105,
                      kNoOffset);  // gaps are allowed (compaction, control records)
    batch.note_offset("trips.dlq", 0, 3, kNoOffset);
    EXPECT_EQ(batch.messages(), 5u);
    const auto& o = batch.offsets();
    ASSERT_EQ(o.size(), 3u);
    EXPECT_EQ(o.at({"trips", 0}).first, 100);
    EXPECT_EQ(o.at({"trips", 0}).next, 106);
    EXPECT_EQ(o.at({"trips", 1}).first, 7);
    EXPECT_EQ(o.at({"trips", 1}).next, 8);
    EXPECT_EQ(o.at({"trips.dlq", 0}).next, 4);
}

TEST(TripBatch, RejectsOffsetsGoingBackwards) {
    TripBatch batch;
    batch.note_offset("trips", 0, 10, kNoOffset);
    batch.note_offset("trips", 0, 11, kNoOffset);
    EXPECT_THROW(batch.note_offset("trips", 0, 11, kNoOffset), std::logic_error);
    EXPECT_THROW(batch.note_offset("trips", 0, 5, kNoOffset), std::logic_error);
}

TEST(TripBatch, RangesRememberTheCommittedPositionTheyContinueFrom) {
    TripBatch batch;
    batch.note_offset("trips", 0, 150, 100);  // 100..149 removed by retention: allowed
    batch.note_offset("trips", 0, 151, 151);  // only the first message of a range sets it
    batch.note_offset("trips", 1, 0, kNoOffset);
    EXPECT_EQ(batch.offsets().at({"trips", 0}).continues_from, 100);
    EXPECT_EQ(batch.offsets().at({"trips", 0}).first, 150);
    EXPECT_EQ(batch.offsets().at({"trips", 0}).next, 152);
    EXPECT_EQ(batch.offsets().at({"trips", 1}).continues_from, kNoOffset);
    // A message before the committed position would be a second copy: refused.
    EXPECT_THROW(batch.note_offset("trips", 2, 5, 10), std::logic_error);
}

TEST(TripBatch, NotesNextOffsetsOnlyOfPartitionsItAlreadyHolds) {
    TripBatch batch;
    EXPECT_FALSE(batch.note_next_offset("trips", 0, 10));  // no range yet: nothing noted
    EXPECT_TRUE(batch.empty());
    batch.note_offset("trips", 0, 10, kNoOffset);
    batch.note_offset("trips", 1, 20, kNoOffset);
    EXPECT_TRUE(batch.note_next_offset("trips", 0, 11));  // back to an earlier partition
    EXPECT_TRUE(batch.note_next_offset("trips", 0, 13));
    EXPECT_TRUE(batch.note_next_offset("trips", 1, 21));
    EXPECT_FALSE(batch.note_next_offset("trips", 2, 0));
    EXPECT_FALSE(batch.note_next_offset("trips.dlq", 0, 0));
    EXPECT_THROW(batch.note_next_offset("trips", 1, 21), std::logic_error);
    EXPECT_EQ(batch.offsets().at({"trips", 0}).first, 10);
    EXPECT_EQ(batch.offsets().at({"trips", 0}).next, 14);
    EXPECT_EQ(batch.offsets().at({"trips", 1}).next, 22);
    EXPECT_EQ(batch.offsets().size(), 2u);
}

TEST(TripBatch, SwappedBatchesKeepTheirOwnRanges) {
    TripBatch reading;
    TripBatch writing;
    reading.note_offset("trips", 0, 5, kNoOffset);
    std::swap(reading, writing);  // as the consumer hands a batch to its writer
    reading.clear();
    EXPECT_FALSE(reading.note_next_offset("trips", 0, 6));
    reading.note_offset("trips", 0, 6, 6);
    EXPECT_TRUE(writing.note_next_offset("trips", 0, 6));
    EXPECT_EQ(writing.offsets().at({"trips", 0}).next, 7);
    EXPECT_EQ(reading.offsets().at({"trips", 0}).first, 6);
    EXPECT_EQ(reading.offsets().at({"trips", 0}).continues_from, 6);
}

TEST(TripBatch, ClearForgetsEverythingAndAgeRestarts) {
    TripBatch batch;
    batch.note_offset("trips", 0, 1, kNoOffset);
    batch.add_trip().partition = 0;
    batch.add_rejection({});
    batch.add_job({});
    EXPECT_GE(batch.age().count(), 0);
    batch.clear();
    EXPECT_TRUE(batch.empty());
    EXPECT_TRUE(batch.trips().empty());
    EXPECT_TRUE(batch.rejections().empty());
    EXPECT_TRUE(batch.jobs().empty());
    EXPECT_TRUE(batch.offsets().empty());
    EXPECT_EQ(batch.age().count(), 0);
    batch.note_offset("trips", 0, 0, kNoOffset);  // a new batch may start anywhere
    EXPECT_EQ(batch.offsets().at({"trips", 0}).first, 0);
}

TEST(TripBatch, DropLastTripTakesBackOnlyTheLastOne) {
    TripBatch batch;
    batch.add_trip().partition = 1;
    batch.add_trip().partition = 2;
    batch.drop_last_trip();
    ASSERT_EQ(batch.trips().size(), 1u);
    EXPECT_EQ(batch.trips()[0].partition, 1);
}

TEST(GridCell, NumbersCellsRowMajorFromTheSouthWest) {
    EXPECT_EQ(grid_cell({-180.0, -90.0}), 0);
    EXPECT_EQ(grid_cell({-179.96, -90.0}), 0);
    EXPECT_EQ(grid_cell({-179.94, -90.0}), 1);
    EXPECT_EQ(grid_cell({-180.0, -89.94}), kGridColumns);
    EXPECT_EQ(grid_cell({180.0, 90.0}), kGridRows * kGridColumns - 1);  // clamped edge
    const int32_t prague = grid_cell({14.4378, 50.0755});
    const GeoBox b = grid_cell_bounds(prague);
    EXPECT_LE(b.min_lon, 14.4378);
    EXPECT_GT(b.max_lon, 14.4378);
    EXPECT_LE(b.min_lat, 50.0755);
    EXPECT_GT(b.max_lat, 50.0755);
    EXPECT_NEAR(b.max_lon - b.min_lon, 0.05, 1e-9);
}

TEST(GridCell, TimeOfDayBucketsAreFourHoursUtc) {
    const int64_t day = days_from_civil(2018, 5, 28) * kSecondsPerDay * kMicrosPerSecond;
    EXPECT_EQ(tod_bucket(day), 0);
    EXPECT_EQ(tod_bucket(day + (4 * 3600 - 1) * kMicrosPerSecond), 0);
    EXPECT_EQ(tod_bucket(day + 4 * 3600 * kMicrosPerSecond), 1);
    EXPECT_EQ(tod_bucket(day + (23 * 3600 + 59 * 60) * kMicrosPerSecond), 5);
}

TEST(TripAggregates, CountsTripsPerCellAndPerClusterKey) {
    TripAggregates agg;
    Trip a;
    a.origin = {14.43, 50.07};
    a.destination = {14.50, 50.10};
    a.time_us = days_from_civil(2018, 5, 30) * kSecondsPerDay * kMicrosPerSecond;  // Wednesday
    Trip b = a;
    b.time_us += 5 * 3600 * kMicrosPerSecond;  // same week and cells, next 4-hour bucket
    Trip c = a;
    c.time_us += 7 * kSecondsPerDay * kMicrosPerSecond;  // next week
    agg.add(1, a, 3);
    agg.add(1, b, 3);
    agg.add(1, c, 3);
    agg.add(2, a, 3);   // other region
    agg.add(1, a, -1);  // unclustered
    const auto monday = static_cast<int32_t>(days_from_civil(2018, 5, 28));
    const CellKey cell{monday, grid_cell(a.origin), grid_cell(a.destination), 1};
    ASSERT_EQ(agg.cells().size(), 3u);
    EXPECT_EQ(agg.cells().at(cell), 3);  // a, b and the unclustered a
    ASSERT_EQ(agg.clusters().size(), 5u);
    EXPECT_EQ(agg.clusters().at(ClusterKey{monday, 1, 3, 0}), 1);
    EXPECT_EQ(agg.clusters().at(ClusterKey{monday, 1, 3, 1}), 1);
    EXPECT_EQ(agg.clusters().at(ClusterKey{monday, 1, -1, 0}), 1);
    int cells_total = 0;
    int clusters_total = 0;
    for (const auto& [k, n] : agg.cells())
        cells_total += n;
    for (const auto& [k, n] : agg.clusters())
        clusters_total += n;
    EXPECT_EQ(cells_total, 5);
    EXPECT_EQ(clusters_total, 5);
}

TEST(BinaryCopy, HeaderRowsAndTrailerFollowThePostgresFormat) {
    db::BinaryCopyBuffer buf;
    buf.begin_row(3);
    buf.add_int16(-2);
    buf.add_null();
    buf.add_timestamptz(946'684'800'000'001);  // 2000-01-01 00:00:00.000001 UTC
    const std::string_view data = buf.finish();
    const std::string expected = std::string("PGCOPY\n\xff\r\n\0", 11) +
                                 std::string("\0\0\0\0\0\0\0\0", 8) +    // flags, extension
                                 std::string("\0\x03", 2) +              // 3 fields
                                 std::string("\0\0\0\x02\xff\xfe", 6) +  // int16 -2
                                 std::string("\xff\xff\xff\xff", 4) +    // NULL
                                 std::string("\0\0\0\x08\0\0\0\0\0\0\0\x01", 12) +  // 1 us
                                 std::string("\xff\xff", 2);                        // trailer
    EXPECT_EQ(std::string(data), expected);
    EXPECT_EQ(buf.rows(), 1u);
    EXPECT_EQ(buf.finish().size(), expected.size());  // finish() is idempotent
}

TEST(BinaryCopy, PointsAreEwkbWithSrid4326) {
    db::BinaryCopyBuffer buf;
    const size_t header = buf.finish().size() - 2;
    buf.clear();
    buf.begin_row(1);
    buf.add_point_4326({1.5, -2.25});
    const std::string_view data = buf.finish();
    const std::string_view field = data.substr(header + 2);
    ASSERT_EQ(field.substr(0, 4), std::string_view("\0\0\0\x19", 4));  // 25 bytes
    const std::string_view ewkb = field.substr(4, 25);
    EXPECT_EQ(ewkb[0], 1);  // little-endian
    EXPECT_EQ(ewkb.substr(1, 8), std::string_view("\x01\0\0\x20\xE6\x10\0\0", 8));
    double x = 0;
    double y = 0;
    std::memcpy(&x, ewkb.data() + 9, 8);
    std::memcpy(&y, ewkb.data() + 17, 8);
    EXPECT_EQ(x, 1.5);
    EXPECT_EQ(y, -2.25);
}

}  // namespace
}  // namespace tripstream
