// The in-memory cell aggregate (query::CellCounts) against a brute-force count over generated
// trips: the aggregate is built from the rows the consumer's TripAggregates would write to
// trip_cell_counts, the brute force counts the trips themselves. Regions, week ranges, block
// sizes (steps that do and do not divide the grid), boxes whose edges lie on grid lines, trips
// at the antimeridian, the poles and on grid lines, and batches added after the load (slices
// re-read whole, as LiveCellCounts does). Also the request parser and the grid's edges.
#include "tripstream/query/cell_counts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "support/cell_counts_text.hpp"
#include "tripstream/consumer/trip_aggregates.hpp"
#include "tripstream/query/cell_counts_request.hpp"
#include "tripstream/query/coarse_grid.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

constexpr int64_t kFirstMonday = 20'458;  // 2026-01-05, a Monday
const std::map<std::string, int16_t> kRegions = {
    {"Auckland", 3}, {"Prague", 1}, {"Quito", 2}, {"Empty", 4}};

struct GeneratedTrip {
    int16_t region_id;
    Trip trip;
};

class TripMaker {
  public:
    explicit TripMaker(uint64_t seed) : rng_(seed) {}

    // Mostly near the region's centre; some on grid lines, at +-180 and +-90, or anywhere.
    GeneratedTrip make() {
        const int16_t region = static_cast<int16_t>(uniform(1, 3));
        const GeoPoint centre = region == 1   ? GeoPoint{14.42, 50.08}
                                : region == 2 ? GeoPoint{-78.5, -0.2}
                                              : GeoPoint{179.9, -36.9};  // across the antimeridian
        Trip t;
        t.origin = point(centre);
        t.destination = point(centre);
        // -3 weeks before the first Monday up to 12 weeks after it.
        t.time_us = (kFirstMonday - 21) * kSecondsPerDay * kMicrosPerSecond +
                    std::uniform_int_distribution<int64_t>(
                        0, 15 * 7 * kSecondsPerDay * kMicrosPerSecond - 1)(rng_);
        return {region, t};
    }

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    double real(double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng_);
    }

    GeoPoint point(GeoPoint centre) {
        switch (uniform(0, 9)) {
            case 0:  // on a grid line
                return {grid_line_lon(uniform(0, 7200)), grid_line_lat(uniform(0, 3600))};
            case 1: {  // the antimeridian and the poles
                const double lons[] = {-180.0, 180.0, 179.99, -179.99};
                const double lats[] = {-90.0, 90.0, 89.99, -89.99};
                return {lons[uniform(0, 3)], lats[uniform(0, 3)]};
            }
            case 2:
                return {real(-180, 180), real(-90, 90)};
            default: {
                const double lon = centre.lon + real(-0.6, 0.6);
                return {lon > 180 ? lon - 360 : lon, centre.lat + real(-0.4, 0.4)};
            }
        }
    }

  private:
    std::mt19937_64 rng_;
};

// trip_cell_counts' rows for `trips`, as the consumer writes them.
std::vector<CellCountRow> rows_of(const std::vector<GeneratedTrip>& trips) {
    TripAggregates aggregates;
    for (const auto& t : trips)
        aggregates.add(t.region_id, t.trip, -1);
    std::vector<CellCountRow> rows;
    for (const auto& [key, trips_in_key] : aggregates.cells())
        rows.push_back({key.region_id, key.week_start_days, key.o_cell, key.d_cell, trips_in_key});
    return rows;
}

CellSlice slice_of(const GeneratedTrip& t) {
    return {t.region_id, static_cast<int32_t>(iso_week_start(days_from_micros(t.trip.time_us)))};
}

// Whether block `index` (of `step` fine lines) holds a fine line range [lo, hi] that meets
// [min, max], from the grid lines alone: the last column (row) is closed at 180 (90).
bool block_meets(int32_t index, int step, int32_t lines, double (*line)(int32_t), double min,
                 double max) {
    for (int32_t k = index * step; k < std::min((index + 1) * step, lines); ++k) {
        if (line(k) <= max && (line(k + 1) > min || k == lines - 1)) return true;
    }
    return false;
}

// The answer counted trip by trip.
std::vector<CellBlock> brute_force(const std::vector<GeneratedTrip>& trips,
                                   const CellCountsRequest& r) {
    std::optional<int16_t> region;
    if (r.region) region = kRegions.at(*r.region);
    // Which blocks meet the box, decided once per request.
    const CoarseGrid grid(r.step);
    std::vector<bool> column_ok(static_cast<size_t>(grid.columns()), true);
    std::vector<bool> row_ok(static_cast<size_t>(grid.rows()), true);
    if (r.bbox) {
        for (int32_t c = 0; c < grid.columns(); ++c)
            column_ok[static_cast<size_t>(c)] = block_meets(c, r.step, kGridColumns, grid_line_lon,
                                                            r.bbox->min_lon, r.bbox->max_lon);
        for (int32_t w = 0; w < grid.rows(); ++w)
            row_ok[static_cast<size_t>(w)] =
                block_meets(w, r.step, kGridRows, grid_line_lat, r.bbox->min_lat, r.bbox->max_lat);
    }
    std::map<std::pair<int32_t, int32_t>, int64_t> blocks;  // (row, column) -> trips
    for (const auto& t : trips) {
        if (region && t.region_id != *region) continue;
        const int64_t week = iso_week_start(days_from_micros(t.trip.time_us));
        if (r.from_days && week < iso_week_start(*r.from_days)) continue;
        if (r.to_days && week > iso_week_start(*r.to_days)) continue;
        const int32_t cell =
            grid_cell(r.end == CellEnd::origin ? t.trip.origin : t.trip.destination);
        const int32_t column = cell % kGridColumns / r.step;
        const int32_t row = cell / kGridColumns / r.step;
        if (!column_ok[static_cast<size_t>(column)] || !row_ok[static_cast<size_t>(row)]) continue;
        ++blocks[{row, column}];
    }
    std::vector<CellBlock> out;
    for (const auto& [key, n] : blocks)
        out.push_back({key.second, key.first, n});
    std::sort(out.begin(), out.end(), [](const CellBlock& a, const CellBlock& b) {
        if (a.trips != b.trips) return a.trips > b.trips;
        return a.row != b.row ? a.row < b.row : a.column < b.column;
    });
    return out;
}

std::vector<RegionSummary> brute_force_regions(const std::vector<GeneratedTrip>& trips) {
    std::vector<RegionSummary> out;
    for (const auto& [name, id] : kRegions) {
        RegionSummary s{name, 0, std::nullopt};
        CellExtent extent;
        for (const auto& t : trips) {
            if (t.region_id != id) continue;
            ++s.trips;
            extent.add(grid_cell(t.trip.origin));
            extent.add(grid_cell(t.trip.destination));
        }
        s.bbox = extent.box();
        out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

// Regions as text, to compare and print.
std::string text(const std::vector<RegionSummary>& regions) {
    return test::regions_text(regions);
}

// A request over a random region (or all), range, end, step and box (or none); box edges on
// grid lines half of the time.
CellCountsRequest random_request(TripMaker& m) {
    CellCountsRequest r;
    const char* names[] = {"Prague", "Quito", "Auckland", "Empty"};
    if (m.uniform(0, 2) > 0) r.region = names[m.uniform(0, 3)];
    r.end = m.uniform(0, 1) ? CellEnd::origin : CellEnd::destination;
    if (m.uniform(0, 1)) r.from_days = kFirstMonday + m.uniform(-25, 60);
    if (m.uniform(0, 1)) r.to_days = r.from_days.value_or(kFirstMonday) + m.uniform(0, 40);
    const int steps[] = {1, 1, 2, 3, 7, 20, 100, 400};
    r.step = steps[m.uniform(0, 7)];
    if (m.uniform(0, 1)) {
        const GeoPoint a = m.point({14.42, 50.08});
        const GeoPoint b = m.uniform(0, 1) ? m.point({14.42, 50.08})
                                           : GeoPoint{grid_line_lon(m.uniform(0, 7200)),
                                                      grid_line_lat(m.uniform(0, 3600))};
        r.bbox = GeoBox{std::min(a.lon, b.lon), std::min(a.lat, b.lat), std::max(a.lon, b.lon),
                        std::max(a.lat, b.lat)};
    }
    return r;
}

void expect_answers(const CellCounts& counts, const std::vector<GeneratedTrip>& trips, TripMaker& m,
                    int requests) {
    for (int i = 0; i < requests; ++i) {
        const CellCountsRequest r = random_request(m);
        const CellCountsResult got = counts.cells(r);
        const auto want = brute_force(trips, r);
        ASSERT_EQ(got.cells, want)
            << "request " << i << " step " << r.step << " region " << r.region.value_or("-");
        int64_t total = 0;
        for (const auto& b : want)
            total += b.trips;
        EXPECT_EQ(got.total_trips, total);
        EXPECT_EQ(got.max_count, want.empty() ? 0 : want.front().trips);
    }
    EXPECT_EQ(text(counts.regions()), text(brute_force_regions(trips)));
}

TEST(CellCounts, EqualsABruteForceCountForRandomRequests) {
    TripMaker m(7);
    std::vector<GeneratedTrip> trips;
    for (int i = 0; i < 20'000; ++i)
        trips.push_back(m.make());
    const auto rows = rows_of(trips);
    const CellCounts counts(kRegions, rows);
    EXPECT_EQ(counts.trips(), 20'000);
    expect_answers(counts, trips, m, 400);
}

TEST(CellCounts, BatchesAddedAfterTheLoadReplaceWholeSlices) {
    TripMaker m(11);
    std::vector<GeneratedTrip> trips;
    for (int i = 0; i < 5'000; ++i)
        trips.push_back(m.make());
    CellCounts counts(kRegions, rows_of(trips));
    for (int batch = 0; batch < 6; ++batch) {
        std::set<CellSlice> touched;
        for (int i = 0; i < 500; ++i) {
            trips.push_back(m.make());
            touched.insert(slice_of(trips.back()));
        }
        // The follower re-reads the touched slices whole: every row they hold now.
        std::vector<CellCountRow> rows;
        for (const CellCountRow& row : rows_of(trips)) {
            if (touched.contains({row.region_id, row.week_days})) rows.push_back(row);
        }
        const std::vector<CellSlice> slices(touched.begin(), touched.end());
        counts = counts.with_slices(kRegions, slices, rows);
        // Re-reading a slice that did not change (a batch already loaded) changes nothing.
        counts = counts.with_slices(kRegions, slices, rows);
        EXPECT_EQ(counts.trips(), static_cast<int64_t>(trips.size()));
        expect_answers(counts, trips, m, 60);
    }
}

TEST(CellCounts, ATouchedSliceWithoutRowsBecomesEmptyAndNewRegionsAppear) {
    TripMaker m(5);
    std::vector<GeneratedTrip> trips;
    for (int i = 0; i < 200; ++i)
        trips.push_back(m.make());
    const CellCounts counts(kRegions, rows_of(trips));
    const CellSlice gone = slice_of(trips.front());
    auto regions = kRegions;
    regions["Zagreb"] = 9;
    const CellCounts next = counts.with_slices(regions, std::vector<CellSlice>{gone}, {});
    std::erase_if(trips, [&](const GeneratedTrip& t) { return slice_of(t) == gone; });
    EXPECT_EQ(next.trips(), static_cast<int64_t>(trips.size()));
    const auto listed = next.regions();
    ASSERT_EQ(listed.size(), 5u);
    EXPECT_EQ(listed.back().name, "Zagreb");
    EXPECT_EQ(listed.back().trips, 0);
    EXPECT_FALSE(listed.back().bbox.has_value());
}

TEST(CellCounts, UnknownRegionIsARequestError) {
    const CellCounts counts(kRegions, {});
    try {
        counts.cells({.region = "Atlantis"});
        FAIL() << "no error";
    } catch (const RequestError& e) {
        EXPECT_EQ(e.error().parameter, "region");
        EXPECT_EQ(std::string(e.what()), "region: unknown region 'Atlantis'");
    }
    EXPECT_TRUE(counts.cells({}).cells.empty());
}

TEST(CellCounts, SumsOverTheOtherEndAndSortsByTripsThenCell) {
    // Prague week 0: origin cell A twice (two destinations), B once.
    const int32_t a = grid_cell({14.42, 50.08});
    const int32_t b = grid_cell({14.52, 50.08});
    const std::vector<CellCountRow> rows = {
        {1, kFirstMonday, a, b, 2}, {1, kFirstMonday, a, a, 3}, {1, kFirstMonday, b, a, 5}};
    const CellCounts counts(kRegions, rows);
    const auto origin = counts.cells({.region = "Prague"});
    ASSERT_EQ(origin.cells.size(), 2u);
    EXPECT_EQ(origin.cells[0].trips, 5);  // A: 2 + 3
    EXPECT_EQ(origin.cells[0].column, a % kGridColumns);
    EXPECT_EQ(origin.cells[1].trips, 5);  // B: as many, east of A in the same row, so after it
    EXPECT_EQ(origin.cells[1].column, b % kGridColumns);
    const auto destination = counts.cells({.region = "Prague", .end = CellEnd::destination});
    ASSERT_EQ(destination.cells.size(), 2u);
    EXPECT_EQ(destination.cells[0].trips, 8);  // A: 3 + 5
    EXPECT_EQ(destination.total_trips, 10);
    EXPECT_EQ(destination.max_count, 8);
    // One 1-degree block holds both (columns 3888 and 3890, row 2801: block 194, 140).
    EXPECT_EQ(counts.cells({.region = "Prague", .step = 20}).cells.size(), 1u);
    EXPECT_EQ(counts.cells({.region = "Prague", .step = 20}).cells[0].trips, 10);
    EXPECT_GT(counts.memory_bytes(), 4 * sizeof(int32_t) * 2);
    EXPECT_EQ(counts.entries(), 4u);
}

TEST(CoarseGrid, BoxEdgesOnGridLinesTakeTheCellEastAndNorthOfThem) {
    const CoarseGrid fine(1);
    // 14.35 is grid line 3887; 50.05 is row line 2801.
    const auto w = fine.window(GeoBox{14.35, 50.05, 14.45, 50.15});
    EXPECT_EQ(w.first_column, 3887);
    EXPECT_EQ(w.last_column, 3889);  // 14.45 is line 3889: that cell starts on the edge
    EXPECT_EQ(w.first_row, 2801);
    EXPECT_EQ(w.last_row, 2803);
    // Just west of a line: the cell west of it.
    EXPECT_EQ(fine.window(GeoBox{std::nextafter(14.35, 0.0), 0, 14.35, 0}).first_column, 3886);
    // The antimeridian and the poles: the last column and row are closed.
    const auto corners = fine.window(GeoBox{-180, -90, 180, 90});
    EXPECT_EQ(corners.first_column, 0);
    EXPECT_EQ(corners.last_column, 7199);
    EXPECT_EQ(corners.first_row, 0);
    EXPECT_EQ(corners.last_row, 3599);
    EXPECT_EQ(fine.window(GeoBox{180, 90, 180, 90}).first_column, 7199);
    // Blocks that do not divide the grid: the last one is cut at 180.
    const CoarseGrid seven(7);
    EXPECT_EQ(seven.columns(), 1029);
    EXPECT_EQ(seven.west(1028), 179.8);
    EXPECT_EQ(seven.window(GeoBox{179.9, 0, 180, 0}).first_column, 1028);
    EXPECT_EQ(CoarseGrid(400).columns(), 18);
    EXPECT_EQ(CoarseGrid(400).rows(), 9);
    EXPECT_EQ(CoarseGrid(20).degrees(), 1.0);
    EXPECT_EQ(fine.west(3887), 14.35);
    EXPECT_EQ(fine.south(0), -90.0);
}

std::string refused(const CellCountsParams& params) {
    const auto parsed = parse_cell_counts_request(params);
    if (const auto* e = std::get_if<ParameterError>(&parsed)) return e->parameter;
    return "";
}

TEST(CellCountsRequest, EveryBadParameterIsNamed) {
    EXPECT_EQ(refused({.step = "0"}), "step");
    EXPECT_EQ(refused({.step = "401"}), "step");
    EXPECT_EQ(refused({.step = "abc"}), "step");
    EXPECT_EQ(refused({.step = "-1"}), "step");
    EXPECT_EQ(refused({.step = "+5"}), "step");
    EXPECT_EQ(refused({.step = "2.0"}), "step");
    EXPECT_EQ(refused({.step = ""}), "step");
    EXPECT_EQ(refused({.end = "both"}), "end");
    EXPECT_EQ(refused({.end = ""}), "end");
    EXPECT_EQ(refused({.bbox = "1,2,3"}), "bbox");
    EXPECT_EQ(refused({.bbox = "3,2,1,4"}), "bbox");
    EXPECT_EQ(refused({.bbox = "0,0,181,1"}), "bbox");
    EXPECT_EQ(refused({.from = "2026-02-30"}), "from");
    EXPECT_EQ(refused({.to = "yesterday"}), "to");
    EXPECT_EQ(refused({.from = "2026-03-01", .to = "2026-02-01"}), "from");
    EXPECT_EQ(refused({.from = "2000-01-01", .to = "2030-01-01"}), "to");
    EXPECT_EQ(refused({.region = ""}), "region");
    EXPECT_EQ(refused({}), "");
    const auto ok =
        std::get<CellCountsRequest>(parse_cell_counts_request({.region = "Prague",
                                                               .from = "2026-01-07",
                                                               .end = "destination",
                                                               .step = "400",
                                                               .bbox = "-180,-90,180,90"}));
    EXPECT_EQ(ok.step, 400);
    EXPECT_EQ(ok.end, CellEnd::destination);
    EXPECT_EQ(ok.from_days, kFirstMonday + 2);
    // The answer widens the range to whole weeks.
    const auto widened = empty_cell_counts(ok);
    EXPECT_EQ(widened.from_days, kFirstMonday);
    EXPECT_EQ(widened.to_days, std::nullopt);
}

}  // namespace
}  // namespace tripstream::query
