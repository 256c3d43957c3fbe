#include "tripstream/time/civil_time.hpp"

#include <gtest/gtest.h>

#include "tripstream/trip.hpp"

namespace tripstream {
namespace {

TEST(CivilTime, RoundTripsEveryDayOverFourCenturies) {
    for (int64_t d = days_from_civil(1900, 1, 1); d <= days_from_civil(2300, 12, 31); ++d) {
        const CivilDate c = civil_from_days(d);
        ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
    }
}

TEST(CivilTime, KnownDates) {
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2018, 1, 1), 17532);
    EXPECT_EQ(iso_weekday(days_from_civil(2018, 1, 1)), 1);   // a Monday
    EXPECT_EQ(iso_weekday(days_from_civil(2018, 5, 27)), 7);  // a Sunday
    EXPECT_EQ(iso_week_start(days_from_civil(2018, 5, 27)), days_from_civil(2018, 5, 21));
    EXPECT_EQ(format_date(days_from_civil(2024, 2, 29)), "2024-02-29");
}

TEST(CivilTime, SecondsOfDayAndNegativeTimes) {
    EXPECT_EQ(seconds_of_day(-1), 86399);
    EXPECT_EQ(days_from_micros(-1), -1);
    EXPECT_EQ(format_datetime(-1'000'000), "1969-12-31 23:59:59");
}

}  // namespace
}  // namespace tripstream
