// parse_weekly_average_request: every bad input names its parameter.
#include "tripstream/query/weekly_average_request.hpp"

#include <gtest/gtest.h>

#include "tripstream/query/iso_date.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {
namespace {

WeeklyAverageParams box_params(std::string bbox) {
    WeeklyAverageParams p;
    p.bbox = std::move(bbox);
    return p;
}

// The parameter named by the error, or "" when the request parsed.
std::string bad_parameter(const WeeklyAverageParams& p) {
    const auto parsed = parse_weekly_average_request(p);
    const auto* e = std::get_if<ParameterError>(&parsed);
    return e ? e->parameter : "";
}

WeeklyAverageRequest parsed(const WeeklyAverageParams& p) {
    auto r = parse_weekly_average_request(p);
    if (auto* e = std::get_if<ParameterError>(&r))
        ADD_FAILURE() << e->parameter << ": " << e->message;
    return std::get<WeeklyAverageRequest>(r);
}

TEST(WeeklyAverageRequest, ParsesAFullRequest) {
    WeeklyAverageParams p = box_params("14.2,49.9,+14.7,50.25");
    p.region = "Prague";
    p.from = "2018-01-03";
    p.to = "2018-02-28";
    p.match = "any";
    const auto r = parsed(p);
    EXPECT_EQ(r.region, "Prague");
    ASSERT_TRUE(r.bbox);
    EXPECT_EQ(r.bbox->min_lon, 14.2);
    EXPECT_EQ(r.bbox->min_lat, 49.9);
    EXPECT_EQ(r.bbox->max_lon, 14.7);
    EXPECT_EQ(r.bbox->max_lat, 50.25);
    EXPECT_EQ(r.from_days, days_from_civil(2018, 1, 3));
    EXPECT_EQ(r.to_days, days_from_civil(2018, 2, 28));
    EXPECT_EQ(r.match, Match::any);
}

TEST(WeeklyAverageRequest, DefaultsToMatchBothAndOpenRange) {
    WeeklyAverageParams p;
    p.region = "Turin";
    const auto r = parsed(p);
    EXPECT_EQ(r.match, Match::both);
    EXPECT_FALSE(r.bbox);
    EXPECT_FALSE(r.from_days);
    EXPECT_FALSE(r.to_days);
}

TEST(WeeklyAverageRequest, AcceptsDegenerateAndWorldBoxes) {
    EXPECT_EQ(bad_parameter(box_params("10,45,10,45")), "");
    EXPECT_EQ(bad_parameter(box_params("-180,-90,180,90")), "");
}

TEST(WeeklyAverageRequest, NeedsRegionOrBox) {
    EXPECT_EQ(bad_parameter({}), "region");
    WeeklyAverageParams p;
    p.region = "";
    EXPECT_EQ(bad_parameter(p), "region");
}

TEST(WeeklyAverageRequest, RejectsMinGreaterThanMax) {
    EXPECT_EQ(bad_parameter(box_params("11,45,10,46")), "bbox");
    EXPECT_EQ(bad_parameter(box_params("10,46,11,45")), "bbox");
}

TEST(WeeklyAverageRequest, RejectsOutOfRangeCoordinates) {
    EXPECT_EQ(bad_parameter(box_params("-180.0001,0,0,1")), "bbox");
    EXPECT_EQ(bad_parameter(box_params("0,0,180.5,1")), "bbox");
    EXPECT_EQ(bad_parameter(box_params("0,-91,1,1")), "bbox");
    EXPECT_EQ(bad_parameter(box_params("0,0,1,90.01")), "bbox");
}

TEST(WeeklyAverageRequest, RejectsMalformedBoxes) {
    for (const char* bad : {"", "1,2,3", "1,2,3,4,5", "1,,3,4", "a,2,3,4", "1, 2,3,4", "nan,1,2,3",
                            "inf,1,2,3", "1,2,3,4,"}) {
        EXPECT_EQ(bad_parameter(box_params(bad)), "bbox") << bad;
    }
}

TEST(WeeklyAverageRequest, RejectsBadDates) {
    for (const char* bad : {"2018-02-30", "2018-13-01", "2018-1-05", "20180105", "2018-01-05T00:00",
                            "", "0000-01-01", " 2018-01-05"}) {
        WeeklyAverageParams p = box_params("0,0,1,1");
        p.from = bad;
        EXPECT_EQ(bad_parameter(p), "from") << bad;
        p.from.reset();
        p.to = bad;
        EXPECT_EQ(bad_parameter(p), "to") << bad;
    }
}

TEST(WeeklyAverageRequest, AcceptsLeapDay) {
    EXPECT_EQ(parse_iso_date("2020-02-29"), days_from_civil(2020, 2, 29));
    EXPECT_FALSE(parse_iso_date("2019-02-29"));
}

TEST(WeeklyAverageRequest, RejectsFromAfterTo) {
    WeeklyAverageParams p = box_params("0,0,1,1");
    p.from = "2018-03-02";
    p.to = "2018-03-01";
    EXPECT_EQ(bad_parameter(p), "from");
    p.to = "2018-03-02";
    EXPECT_EQ(bad_parameter(p), "");
}

TEST(WeeklyAverageRequest, RejectsRangesOfTooManyWeeks) {
    WeeklyAverageParams p = box_params("0,0,1,1");
    p.from = "1900-01-01";
    p.to = "2018-03-01";
    EXPECT_EQ(bad_parameter(p), "to");
}

TEST(WeeklyAverageRequest, RejectsUnknownMatch) {
    WeeklyAverageParams p = box_params("0,0,1,1");
    for (const char* bad : {"", "Origin", "all", "both "}) {
        p.match = bad;
        EXPECT_EQ(bad_parameter(p), "match") << bad;
    }
    for (const char* good : {"origin", "destination", "both", "any"}) {
        p.match = good;
        EXPECT_EQ(match_name(parsed(p).match), good);
    }
}

TEST(WeeklyAverageRequest, TwoCornersInAnyOrderMakeTheBox) {
    const GeoBox expected{14.3, 50.0, 14.5, 50.1};
    for (const auto& [a, b] :
         std::vector<std::pair<std::string, std::string>>{{"14.3,50.0", "14.5,50.1"},
                                                          {"14.5,50.1", "14.3,50.0"},
                                                          {"14.3,50.1", "14.5,50.0"},
                                                          {"14.5,50.0", "14.3,50.1"}}) {
        WeeklyAverageParams p;
        p.p1 = a;
        p.p2 = b;
        const auto box = parsed(p).bbox;
        ASSERT_TRUE(box.has_value()) << a << " " << b;
        EXPECT_EQ(box->min_lon, expected.min_lon);
        EXPECT_EQ(box->min_lat, expected.min_lat);
        EXPECT_EQ(box->max_lon, expected.max_lon);
        EXPECT_EQ(box->max_lat, expected.max_lat);
    }
}

TEST(WeeklyAverageRequest, CornerErrorsNameTheCorner) {
    WeeklyAverageParams p;
    p.p1 = "14.3,50.0";
    EXPECT_EQ(bad_parameter(p), "p2");  // p1 alone
    p.p2 = "14.3";
    EXPECT_EQ(bad_parameter(p), "p2");
    p.p2 = "14.3,95";
    EXPECT_EQ(bad_parameter(p), "p2");
    p.p2 = "14.5,50.1";
    p.p1 = "x,50";
    EXPECT_EQ(bad_parameter(p), "p1");
    p.p1 = "14.3,50.0";
    p.bbox = "0,0,1,1";
    EXPECT_EQ(bad_parameter(p), "p1");  // both forms at once
}

}  // namespace
}  // namespace tripstream::query
