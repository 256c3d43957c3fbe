// cover_box: inside cells never hold a point outside the box, and every cell that can hold a
// point inside the box is a candidate, also for boxes whose edges lie on grid lines.
#include <gtest/gtest.h>

#include <random>

#include "tripstream/query/grid_cover.hpp"

namespace tripstream::query {
namespace {

bool in_box(const GeoPoint& p, const GeoBox& b) {
    return b.min_lon <= p.lon && p.lon <= b.max_lon && b.min_lat <= p.lat && p.lat <= b.max_lat;
}

// A grid line's coordinate as the ingestion would meet it: k * 0.05 - 180 in doubles.
double grid_line(int k, double origin) {
    return k * kGridStepDegrees + origin;
}

void expect_consistent(const GeoBox& box, const GridCover& cover, const GeoPoint& p) {
    const int32_t cell = grid_cell(p);
    if (cover.inside(cell)) {
        EXPECT_TRUE(in_box(p, box)) << p.lon << " " << p.lat;
    }
    if (in_box(p, box)) {
        EXPECT_TRUE(cover.candidate(cell)) << p.lon << " " << p.lat;
    }
}

TEST(WeeklyAverageGridCover, CityBoxHasInsideCellsAndARing) {
    const GeoBox box{14.22, 49.94, 14.71, 50.18};
    const auto c = cover_box(box);
    EXPECT_EQ(c.inside_columns.last - c.inside_columns.first + 1, 9);  // 14.25 .. 14.70
    EXPECT_EQ(c.candidate_columns.last - c.candidate_columns.first + 1, 11);
    EXPECT_EQ(c.inside_rows.last - c.inside_rows.first + 1, 4);  // 49.95 .. 50.15
    EXPECT_EQ(c.candidate_rows.last - c.candidate_rows.first + 1, 6);
}

TEST(WeeklyAverageGridCover, EdgesOnGridLinesMakeBothNeighboursBoundary) {
    const GeoBox box{grid_line(3850, -180), grid_line(2800, -90), grid_line(3852, -180),
                     grid_line(2802, -90)};
    const auto c = cover_box(box);
    // The two columns between the lines are not certain: a point on a line may be
    // assigned to the column outside. The columns outside touch the box edge.
    EXPECT_TRUE(c.inside_columns.empty());
    EXPECT_EQ(c.candidate_columns.first, 3849);
    EXPECT_EQ(c.candidate_columns.last, 3852);
}

TEST(WeeklyAverageGridCover, TinyBoxIsAllBoundary) {
    const auto c = cover_box({10.0001, 45.0001, 10.0002, 45.0002});
    EXPECT_TRUE(c.inside_columns.empty());
    EXPECT_EQ(c.candidate_columns.first, c.candidate_columns.last);
}

TEST(WeeklyAverageGridCover, WorldBoxKeepsClampedEdgesAsCandidates) {
    const auto c = cover_box({-180, -90, 180, 90});
    EXPECT_EQ(c.candidate_columns.first, 0);
    EXPECT_EQ(c.candidate_columns.last, kGridColumns - 1);
    EXPECT_EQ(c.inside_columns.first, 1);  // the outer cells touch the box edge
    expect_consistent({-180, -90, 180, 90}, c, {180, 90});
    expect_consistent({-180, -90, 180, 90}, c, {-180, -90});
    EXPECT_TRUE(cover_world().inside(grid_cell({180, 90})));
}

TEST(WeeklyAverageGridCover, RandomPointsNearGridLinesAreConsistent) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> col(3600, 3800);
    std::uniform_int_distribution<int> row(2600, 2800);
    std::uniform_int_distribution<int> nudge(-2, 2);
    std::uniform_int_distribution<int> span(0, 8);
    for (int i = 0; i < 2000; ++i) {
        const int c0 = col(rng);
        const int r0 = row(rng);
        // Box edges and points on grid lines, or a few ulps away from them.
        const auto near = [&](int k, double origin) {
            double v = grid_line(k, origin);
            for (int n = nudge(rng); n != 0; n += n > 0 ? -1 : 1)
                v = std::nextafter(v, n > 0 ? 1e9 : -1e9);
            return v;
        };
        const GeoBox box{near(c0, -180), near(r0, -90), near(c0 + span(rng), -180) + 1e-7,
                         near(r0 + span(rng), -90) + 1e-7};
        const auto cover = cover_box(box);
        for (int k = 0; k < 10; ++k) {
            const GeoPoint p{near(c0 + span(rng) - 1, -180), near(r0 + span(rng) - 1, -90)};
            expect_consistent(box, cover, p);
        }
        expect_consistent(box, cover, {box.min_lon, box.max_lat});
        expect_consistent(box, cover, {box.max_lon, box.min_lat});
    }
}

}  // namespace
}  // namespace tripstream::query
