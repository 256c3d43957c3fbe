#include "tripstream/csv/trip_row_parser.hpp"

#include <gtest/gtest.h>

#include "tripstream/csv/trip_csv_writer.hpp"
#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/geo/wkt_point.hpp"
#include "tripstream/time/civil_time.hpp"
#include "tripstream/time/datetime_parser.hpp"

namespace tripstream {
namespace {

// ---- WKT points

GeoPoint point_of(const std::string& text) {
    GeoPoint p;
    std::string reason;
    EXPECT_TRUE(parse_wkt_point(text, p, reason)) << text << ": " << reason;
    return p;
}

std::string point_error(const std::string& text) {
    GeoPoint p;
    std::string reason;
    if (parse_wkt_point(text, p, reason) && validate_point(p, reason)) return "accepted";
    return reason;
}

TEST(WktPoint, ParsesTheInputFormat) {
    const GeoPoint p = point_of("POINT (14.4973794438195 50.00136875782316)");
    EXPECT_DOUBLE_EQ(p.lon, 14.4973794438195);
    EXPECT_DOUBLE_EQ(p.lat, 50.00136875782316);
}

TEST(WktPoint, AcceptsCaseSpacingAndExponents) {
    EXPECT_DOUBLE_EQ(point_of("point(1 2)").lon, 1.0);
    EXPECT_DOUBLE_EQ(point_of("  Point  (\t-7.5   \t 4.25 ) ").lat, 4.25);
    EXPECT_DOUBLE_EQ(point_of("POINT (1.5e1 -2E-1)").lon, 15.0);
    EXPECT_DOUBLE_EQ(point_of("POINT (1.5e1 -2E-1)").lat, -0.2);
    EXPECT_DOUBLE_EQ(point_of("POINT (+3 +4)").lat, 4.0);
}

TEST(WktPoint, RejectsMalformedText) {
    for (const char* bad : {"", "POINT", "POINT ()", "POINT (1)", "POINT (1 2", "POINT 1 2)",
                            "POINT (1,2)", "POINT (1 2 3)", "LINESTRING (1 2)", "POINT (a b)",
                            "POINT (1 2) x", "POINT (nan 1)", "POINT (inf 1)", "POINT (12)"}) {
        EXPECT_NE(point_error(bad).find("expected 'POINT (lon lat)'"), std::string::npos) << bad;
    }
}

TEST(WktPoint, RejectsOutOfRangeCoordinates) {
    EXPECT_EQ(point_error("POINT (14.4 123.4)"), "latitude 123.4 out of range [-90, 90]");
    EXPECT_EQ(point_error("POINT (-180.5 1)"), "longitude -180.5 out of range [-180, 180]");
    EXPECT_EQ(point_error("POINT (180 -90)"), "accepted");
}

TEST(WktPoint, WriterRoundTripsExactly) {
    const GeoPoint p{7.672837913286881, 44.9957109242058};
    std::string text;
    append_wkt_point(text, p);
    EXPECT_EQ(text, "POINT (7.672837913286881 44.9957109242058)");
    const GeoPoint q = point_of(text);
    EXPECT_EQ(q.lon, p.lon);
    EXPECT_EQ(q.lat, p.lat);
}

// ---- datetimes

int64_t time_of(const std::string& text) {
    int64_t t = 0;
    std::string reason;
    EXPECT_TRUE(parse_datetime(text, t, reason)) << text << ": " << reason;
    return t;
}

std::string datetime_error(const std::string& text) {
    int64_t t = 0;
    std::string reason;
    return parse_datetime(text, t, reason) ? "accepted" : reason;
}

constexpr int64_t kMay28 = 1527498220LL * 1'000'000;  // 2018-05-28 09:03:40 UTC

TEST(Datetime, ParsesTheInputFormatAsUtc) {
    EXPECT_EQ(time_of("2018-05-28 09:03:40"), kMay28);
    EXPECT_EQ(format_datetime(kMay28), "2018-05-28 09:03:40");
}

TEST(Datetime, AcceptsTSeparatorFractionAndOffsets) {
    EXPECT_EQ(time_of("2018-05-28T09:03:40"), kMay28);
    EXPECT_EQ(time_of("2018-05-28 09:03:40Z"), kMay28);
    EXPECT_EQ(time_of("2018-05-28 09:03:40.5"), kMay28 + 500'000);
    EXPECT_EQ(time_of("2018-05-28 09:03:40.123456789"), kMay28 + 123'456);
    EXPECT_EQ(time_of("2018-05-28T11:03:40+02:00"), kMay28);
    EXPECT_EQ(time_of("2018-05-28T04:33:40-0430"), kMay28);
    EXPECT_EQ(time_of("2018-05-28 10:03:40.25+01"), kMay28 + 250'000);
}

TEST(Datetime, OffsetCanCrossMidnightAndYears) {
    EXPECT_EQ(format_datetime(time_of("2019-01-01 00:30:00+01:00")), "2018-12-31 23:30:00");
}

TEST(Datetime, RejectsImpossibleDates) {
    EXPECT_NE(datetime_error("2018-02-30 10:00:00").find("no such day"), std::string::npos);
    EXPECT_NE(datetime_error("2019-02-29 10:00:00").find("no such day"), std::string::npos);
    EXPECT_EQ(datetime_error("2020-02-29 10:00:00"), "accepted");
    EXPECT_NE(datetime_error("2018-13-01 10:00:00").find("month"), std::string::npos);
    EXPECT_NE(datetime_error("2018-04-31 10:00:00").find("no such day"), std::string::npos);
}

TEST(Datetime, RejectsBadTimesAndShapes) {
    EXPECT_NE(datetime_error("2018-05-28 24:00:00").find("time of day"), std::string::npos);
    EXPECT_NE(datetime_error("2018-05-28 10:60:00").find("time of day"), std::string::npos);
    for (const char* bad : {"", "yesterday", "2018-05-28", "2018/05/28 10:00:00",
                            "2018-05-28 10:00", "2018-05-28 10:00:00.", "2018-05-28 10:00:00 UTC",
                            "2018-05-28 10:00:00+2", "18-05-28 10:00:00"}) {
        EXPECT_NE(datetime_error(bad).find("expected 'YYYY-MM-DD HH:MM:SS"), std::string::npos)
            << bad;
    }
    EXPECT_NE(datetime_error("1800-01-01 00:00:00").find("year"), std::string::npos);
    EXPECT_NE(datetime_error("2018-05-28 10:00:00+25:00").find("offset"), std::string::npos);
}

// ---- rows

TripColumns standard_columns() {
    return find_trip_columns(
        {"region", "origin_coord", "destination_coord", "datetime", "datasource"});
}

CsvRecord record_of(const std::vector<std::string_view>& fields) {
    CsvRecord r;
    r.fields = fields;
    r.line = 7;
    return r;
}

RowError reject(const std::vector<std::string_view>& fields) {
    Trip trip;
    RowError error;
    EXPECT_FALSE(parse_trip_row(record_of(fields), standard_columns(), trip, error));
    return error;
}

constexpr std::string_view kO = "POINT (14.4973794438195 50.00136875782316)";
constexpr std::string_view kD = "POINT (14.43109483523328 50.04052930943246)";
constexpr std::string_view kT = "2018-05-28 09:03:40";

TEST(TripRow, ParsesAGoodRow) {
    Trip trip;
    RowError error;
    ASSERT_TRUE(parse_trip_row(record_of({"Prague", kO, kD, kT, "funny_car"}), standard_columns(),
                               trip, error))
        << error.reason();
    EXPECT_EQ(trip.region, "Prague");
    EXPECT_EQ(trip.datasource, "funny_car");
    EXPECT_DOUBLE_EQ(trip.destination.lat, 50.04052930943246);
    EXPECT_EQ(trip.time_us, kMay28);
}

TEST(TripRow, TrimsNamesAndIgnoresExtraColumns) {
    Trip trip;
    RowError error;
    ASSERT_TRUE(parse_trip_row(record_of({" Turin ", kO, kD, kT, "baba_car", "extra", "more"}),
                               standard_columns(), trip, error));
    EXPECT_EQ(trip.region, "Turin");
}

TEST(TripRow, RejectsMissingFields) {
    const RowError e = reject({"Prague", kO, kD, kT});
    EXPECT_EQ(e.code, "missing_fields");
    EXPECT_EQ(e.reason(), "missing_fields: expected at least 5 fields, got 4");
}

TEST(TripRow, RejectsEmptyOrLongRegion) {
    EXPECT_EQ(reject({"", kO, kD, kT, "x"}).reason(), "bad_region: region is empty");
    const std::string long_name(65, 'r');
    EXPECT_EQ(reject({long_name, kO, kD, kT, "x"}).code, "bad_region");
    EXPECT_EQ(reject({"Pra\x01gue", kO, kD, kT, "x"}).code, "bad_region");
}

TEST(TripRow, RejectsBadOrigin) {
    EXPECT_EQ(reject({"Prague", "POINT (14.4 123.4)", kD, kT, "x"}).reason(),
              "bad_origin_coord: latitude 123.4 out of range [-90, 90]");
    EXPECT_EQ(reject({"Prague", "nowhere", kD, kT, "x"}).code, "bad_origin_coord");
}

TEST(TripRow, RejectsBadDestination) {
    EXPECT_EQ(reject({"Prague", kO, "POINT (200 50)", kT, "x"}).reason(),
              "bad_destination_coord: longitude 200 out of range [-180, 180]");
}

TEST(TripRow, RejectsBadDatetime) {
    EXPECT_EQ(reject({"Prague", kO, kD, "2018-02-30 10:00:00", "x"}).code, "bad_datetime");
}

TEST(TripRow, RejectsEmptyOrLongDatasource) {
    EXPECT_EQ(reject({"Prague", kO, kD, kT, " "}).reason(), "bad_datasource: datasource is empty");
    EXPECT_EQ(reject({"Prague", kO, kD, kT, std::string(65, 'd')}).code, "bad_datasource");
}

TEST(TripRow, RejectsOverlongAndUnterminatedRecords) {
    Trip trip;
    RowError error;
    CsvRecord r = record_of({});
    r.too_long = true;
    EXPECT_FALSE(parse_trip_row(r, standard_columns(), trip, error));
    EXPECT_EQ(error.code, "line_too_long");
    r.too_long = false;
    r.unterminated_quote = true;
    r.fields = {"Prague", kO, kD, kT, "x"};
    EXPECT_FALSE(parse_trip_row(r, standard_columns(), trip, error));
    EXPECT_EQ(error.code, "unterminated_quote");
}

TEST(TripColumnsTest, FindsColumnsInAnyOrderAndCase) {
    const TripColumns c = find_trip_columns(
        {"extra", "Datasource", " DATETIME", "destination_coord", "origin_coord", "region "});
    EXPECT_EQ(c.region, 5u);
    EXPECT_EQ(c.datasource, 1u);
    EXPECT_EQ(c.min_fields, 6u);
}

TEST(TripColumnsTest, NamesEveryMissingColumn) {
    try {
        find_trip_columns({"region", "origin", "datetime"});
        FAIL() << "expected HeaderError";
    } catch (const HeaderError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("origin_coord, destination_coord, datasource"), std::string::npos)
            << what;
    }
    EXPECT_THROW(find_trip_columns({"region", "region", "origin_coord", "destination_coord",
                                    "datetime", "datasource"}),
                 HeaderError);
}

TEST(TripCsvWriter, GeneratedRowsParseBackIdentically) {
    TripGenerator generator;
    const TripColumns columns = standard_columns();
    for (uint64_t i = 0; i < 2000; ++i) {
        Trip original;
        generator.generate(i, original);
        std::string line;
        append_trip_csv_row(line, original);
        StringSource source(line);
        CsvReader reader(source);
        CsvRecord record;
        ASSERT_TRUE(reader.next(record));
        Trip parsed;
        RowError error;
        ASSERT_TRUE(parse_trip_row(record, columns, parsed, error)) << line << error.reason();
        EXPECT_EQ(parsed.region, original.region);
        EXPECT_EQ(parsed.datasource, original.datasource);
        EXPECT_EQ(parsed.origin.lon, original.origin.lon);
        EXPECT_EQ(parsed.destination.lat, original.destination.lat);
        EXPECT_EQ(parsed.time_us, original.time_us);
    }
}

}  // namespace
}  // namespace tripstream
