#include "tripstream/csv/trip_row_parser.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <limits>
#include <random>

#include "tripstream/csv/trip_csv_writer.hpp"
#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/geo/wkt_point.hpp"
#include "tripstream/text/utf8.hpp"
#include "tripstream/time/civil_time.hpp"
#include "tripstream/time/datetime_parser.hpp"

namespace tripstream {
namespace {

using namespace std::string_literals;

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

TEST(WktPoint, ValidateRejectsNonFiniteNumbers) {
    std::string reason;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_FALSE(validate_point({nan, 1}, reason));
    EXPECT_EQ(reason, "longitude nan is not a finite number");
    EXPECT_FALSE(validate_point({1, -nan}, reason));
    EXPECT_NE(reason.find("latitude"), std::string::npos);
    EXPECT_FALSE(validate_point({inf, 1}, reason));
    EXPECT_EQ(reason, "longitude inf is not a finite number");
    EXPECT_FALSE(validate_point({1, -inf}, reason));
    EXPECT_EQ(reason, "latitude -inf is not a finite number");
    EXPECT_FALSE(validate_point({std::numeric_limits<double>::max(), 1}, reason));
    EXPECT_FALSE(validate_point({1, std::numeric_limits<double>::lowest()}, reason));
    EXPECT_FALSE(validate_point({std::nextafter(180.0, 200.0), 0}, reason));
    EXPECT_FALSE(validate_point({0, std::nextafter(-90.0, -100.0)}, reason));
    EXPECT_TRUE(validate_point({-180, 90}, reason));
}

TEST(WktPoint, NegativeZeroAndSubnormalsAreOrdinaryNumbers) {
    const GeoPoint z = point_of("POINT (-0 -0.0)");
    EXPECT_TRUE(std::signbit(z.lon));
    EXPECT_EQ(point_error("POINT (-0 -0.0)"), "accepted");
    const GeoPoint tiny = point_of("POINT (4.9e-324 -2.2250738585072009e-308)");
    EXPECT_EQ(std::fpclassify(tiny.lon), FP_SUBNORMAL);
    EXPECT_EQ(std::fpclassify(tiny.lat), FP_SUBNORMAL);
    EXPECT_EQ(point_error("POINT (4.9e-324 -2.2250738585072009e-308)"), "accepted");
    // Both survive the WKT writer unchanged.
    std::string text;
    append_wkt_point(text, tiny);
    const GeoPoint back = point_of(text);
    EXPECT_EQ(back.lon, tiny.lon);
    EXPECT_EQ(back.lat, tiny.lat);
    text.clear();
    append_wkt_point(text, z);
    EXPECT_TRUE(std::signbit(point_of(text).lat));
}

TEST(WktPoint, QuotesBadTextAsPrintableText) {
    EXPECT_EQ(point_error("POINT (\xff 1)"), "expected 'POINT (lon lat)', got 'POINT (\\xff 1)'");
    EXPECT_TRUE(is_printable_text(point_error(std::string("POINT\0\n\xC0", 8))));
    const std::string long_text = "POINT (1 2" + std::string(100, ' ') + "x";
    EXPECT_NE(point_error(long_text).find("...'"), std::string::npos);
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

TEST(Datetime, SupportedRangeIsOneDefinition) {
    constexpr int64_t kDayUs = kSecondsPerDay * kMicrosPerSecond;
    EXPECT_EQ(kMinTripTimeUs, days_from_civil(1900, 1, 1) * kDayUs);
    EXPECT_EQ(kMaxTripTimeUs + 1, days_from_civil(2200, 1, 1) * kDayUs);
    EXPECT_EQ(days_from_civil(kMinYear, 1, 1) * kDayUs, kMinTripTimeUs);
    EXPECT_EQ(days_from_civil(kMaxYear + 1, 1, 1) * kDayUs, kMaxTripTimeUs + 1);
}

TEST(Datetime, AcceptsTheEdgesOfTheSupportedRange) {
    EXPECT_EQ(time_of("1900-01-01 00:00:00"), kMinTripTimeUs);
    EXPECT_EQ(time_of("2199-12-31 23:59:59.999999"), kMaxTripTimeUs);
    EXPECT_EQ(time_of("1900-01-01 01:00:00+01:00"), kMinTripTimeUs);
    EXPECT_EQ(time_of("2199-12-31 22:59:59.999999-01:00"), kMaxTripTimeUs);
}

TEST(Datetime, RejectsTimesOutsideTheSupportedRange) {
    EXPECT_NE(datetime_error("1899-12-31 23:59:59").find("year out of range [1900, 2199]"),
              std::string::npos);
    EXPECT_NE(datetime_error("2200-01-01 00:00:00").find("year out of range"), std::string::npos);
    EXPECT_NE(datetime_error("0000-01-01 00:00:00").find("year out of range"), std::string::npos);
    EXPECT_NE(datetime_error("9999-12-31 23:59:59").find("year out of range"), std::string::npos);
    // A UTC offset can carry an in-range date out of the range.
    EXPECT_EQ(datetime_error("1900-01-01 00:30:00+01:00"),
              "time 1899-12-31 23:30:00 UTC out of range [1900-01-01 00:00:00, 2199-12-31 "
              "23:59:59.999999] UTC");
    EXPECT_EQ(datetime_error("2199-12-31 23:30:00-01:00"),
              "time 2200-01-01 00:30:00 UTC out of range [1900-01-01 00:00:00, 2199-12-31 "
              "23:59:59.999999] UTC");
    std::string reason;
    EXPECT_TRUE(check_trip_time(0, reason));
    EXPECT_FALSE(check_trip_time(INT64_MIN, reason));
    EXPECT_EQ(reason,
              "time -9223372036854775808 us since the epoch out of range [1900-01-01 00:00:00, "
              "2199-12-31 23:59:59.999999] UTC");
    EXPECT_FALSE(check_trip_time(INT64_MAX, reason));
    EXPECT_FALSE(check_trip_time(kMaxTripTimeUs + 1, reason));
    EXPECT_FALSE(check_trip_time(kMinTripTimeUs - 1, reason));
    EXPECT_NE(reason.find("1899-12-31 23:59:59.999999 UTC"), std::string::npos) << reason;
}

TEST(Datetime, QuotesBadTextAsPrintableText) {
    EXPECT_EQ(datetime_error("2018-05-28\x01"s),
              "expected 'YYYY-MM-DD HH:MM:SS[.ffffff][Z|+HH:MM]', got '2018-05-28\\x01'");
    EXPECT_TRUE(is_printable_text(datetime_error("\xff\xfe\0 2018-05-28 10:00:00"s)));
    EXPECT_EQ(time_of("\t2018-05-28 09:03:40 \t"), kMay28);
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
    const TripColumns columns = find_trip_columns(
        {"region", "origin_coord", "destination_coord", "datetime", "datasource", "extra", "more"});
    Trip trip;
    RowError error;
    ASSERT_TRUE(parse_trip_row(record_of({" Turin\t", kO, kD, kT, "baba_car", "extra", "more"}),
                               columns, trip, error))
        << error.reason();
    EXPECT_EQ(trip.region, "Turin");
}

TEST(TripRow, RejectsFewerFieldsThanTheHeader) {
    const RowError e = reject({"Prague", kO, kD, kT});
    EXPECT_EQ(e.code, "field_count");
    EXPECT_EQ(e.reason(), "field_count: expected 5 fields (as in the header), got 4");
    EXPECT_EQ(reject({"Prague"}).code, "field_count");
    EXPECT_EQ(reject({""}).code, "field_count");
}

TEST(TripRow, RejectsMoreFieldsThanTheHeader) {
    const RowError e = reject({"Prague", kO, kD, kT, "x", "extra"});
    EXPECT_EQ(e.reason(), "field_count: expected 5 fields (as in the header), got 6");
    // A trailing comma adds an empty field, and that counts.
    EXPECT_EQ(reject({"Prague", kO, kD, kT, "x", ""}).code, "field_count");
}

TEST(TripRow, FieldCountComesFromTheHeader) {
    // Read through the CSV reader: the header's trailing comma makes six columns, so rows
    // need six fields too.
    StringSource source(
        "region,origin_coord,destination_coord,datetime,datasource,\n"
        "Prague,\"POINT (1 2)\",\"POINT (3 4)\",2018-05-28 09:03:40,x,\n"
        "Prague,\"POINT (1 2)\",\"POINT (3 4)\",2018-05-28 09:03:40,x\n"
        "Prague,\"POINT (1 2)\",\"POINT (3 4)\",2018-05-28 09:03:40,x,,\n");
    CsvReader reader(source);
    CsvRecord record;
    ASSERT_TRUE(reader.next(record));
    const TripColumns columns = find_trip_columns(record.fields);
    EXPECT_EQ(columns.field_count, 6u);
    Trip trip;
    RowError error;
    ASSERT_TRUE(reader.next(record));
    EXPECT_TRUE(parse_trip_row(record, columns, trip, error)) << error.reason();
    ASSERT_TRUE(reader.next(record));
    EXPECT_FALSE(parse_trip_row(record, columns, trip, error));
    EXPECT_EQ(error.reason(), "field_count: expected 6 fields (as in the header), got 5");
    ASSERT_TRUE(reader.next(record));
    EXPECT_FALSE(parse_trip_row(record, columns, trip, error));
    EXPECT_EQ(error.reason(), "field_count: expected 6 fields (as in the header), got 7");
}

TEST(TripRow, RejectsEmptyOrLongRegion) {
    EXPECT_EQ(reject({"", kO, kD, kT, "x"}).reason(), "bad_region: region is empty");
    const std::string long_name(65, 'r');
    EXPECT_EQ(reject({long_name, kO, kD, kT, "x"}).code, "bad_region");
    EXPECT_EQ(reject({"Pra\x01gue", kO, kD, kT, "x"}).reason(),
              "bad_region: region: control character U+0001 at byte 3");
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

// ---- text in every field

struct FieldCase {
    size_t index;
    std::string name;
    std::string code;
    std::string prefix;  // a bad sequence goes between prefix and suffix
    std::string suffix;
};

const std::vector<FieldCase>& field_cases() {
    static const std::vector<FieldCase> cases = {
        {0, "region", "bad_region", "Pra", "gue"},
        {1, "origin_coord", "bad_origin_coord", "POINT (14.4", " 50.0)"},
        {2, "destination_coord", "bad_destination_coord", "POINT (14.4 ", "50.0)"},
        {3, "datetime", "bad_datetime", "2018-05-28 09:03", ":40"},
        {4, "datasource", "bad_datasource", "funny", "_car"},
    };
    return cases;
}

// The row of good fields with field `index` replaced.
RowError reject_field(size_t index, const std::string& value) {
    std::vector<std::string> fields = {"Prague", std::string(kO), std::string(kD), std::string(kT),
                                       "funny_car"};
    fields[index] = value;
    return reject({fields[0], fields[1], fields[2], fields[3], fields[4]});
}

bool accepts_field(size_t index, const std::string& value) {
    std::vector<std::string> fields = {"Prague", std::string(kO), std::string(kD), std::string(kT),
                                       "funny_car"};
    fields[index] = value;
    Trip trip;
    RowError error;
    return parse_trip_row(record_of({fields[0], fields[1], fields[2], fields[3], fields[4]}),
                          standard_columns(), trip, error);
}

TEST(TripRowText, GoodFieldsOfTheCasesParse) {
    for (const auto& f : field_cases())
        EXPECT_TRUE(accepts_field(f.index, f.prefix + f.suffix)) << f.name;
}

TEST(TripRowText, RejectsEachKindOfInvalidUtf8InEachField) {
    const std::vector<std::pair<std::string, std::string>> kBad = {
        {"\xC0\xAF", "overlong encoding"},
        {"\xC1\xBF", "overlong encoding"},
        {"\xE0\x80\xAF", "overlong encoding"},
        {"\xE0\x9F\xBF", "overlong encoding"},
        {"\xF0\x80\x80\xAF", "overlong encoding"},
        {"\xF0\x8F\xBF\xBF", "overlong encoding"},
        {"\xED\xA0\x80", "surrogate code point"},
        {"\xED\xBF\xBF", "surrogate code point"},
        {"\xF4\x90\x80\x80", "code point above U+10FFFF"},
        {"\xF5\x80\x80\x80", "code point above U+10FFFF"},
        {"\xF8\x88\x80\x80\x80", "invalid byte"},
        {"\xFF", "invalid byte"},
        {"\xC3", "truncated sequence"},
        {"\xE2\x82", "truncated sequence"},
        {"\xF0\x9F\x9A", "truncated sequence"},
        {"\x80", "unexpected continuation byte"},
        {"\xBF\xBF", "unexpected continuation byte"},
    };
    for (const auto& f : field_cases()) {
        for (const auto& [bytes, kind] : kBad) {
            const RowError e = reject_field(f.index, f.prefix + bytes + f.suffix);
            EXPECT_EQ(e.code, f.code) << f.name << " " << kind;
            EXPECT_EQ(e.detail, f.name + ": invalid UTF-8 at byte " +
                                    std::to_string(f.prefix.size()) + " (" + kind + ")");
            EXPECT_TRUE(is_printable_text(e.reason())) << sanitize_text(e.reason());
        }
        // Truncated at the very end of the field.
        const RowError e = reject_field(f.index, f.prefix + f.suffix + "\xE2\x82");
        EXPECT_EQ(e.detail, f.name + ": invalid UTF-8 at byte " +
                                std::to_string(f.prefix.size() + f.suffix.size()) +
                                " (truncated sequence)");
    }
}

TEST(TripRowText, RejectsNulAndControlCharactersInEachField) {
    const std::vector<std::pair<std::string, std::string>> kControls = {
        {std::string(1, '\0'), "U+0000"},
        {"\x01", "U+0001"},
        {"\x08", "U+0008"},
        {"\x1B", "U+001B"},
        {"\x1F", "U+001F"},
        {"\x7F", "U+007F"},
        {"\xC2\x80", "U+0080"},
        {"\xC2\x85", "U+0085"},
        {"\xC2\x9F", "U+009F"},
    };
    for (const auto& f : field_cases()) {
        for (const auto& [bytes, cp] : kControls) {
            const RowError e = reject_field(f.index, f.prefix + bytes + f.suffix);
            EXPECT_EQ(e.code, f.code) << f.name << " " << cp;
            EXPECT_EQ(e.detail, f.name + ": control character " + cp + " at byte " +
                                    std::to_string(f.prefix.size()));
            EXPECT_TRUE(is_printable_text(e.reason())) << sanitize_text(e.reason());
        }
    }
    // Line breaks and tabs inside names and datetimes are control characters too.
    for (const size_t index : {size_t{0}, size_t{3}, size_t{4}}) {
        const FieldCase& f = field_cases()[index];
        for (const char* blank : {"\t", "\n", "\r", "\v", "\f"}) {
            EXPECT_EQ(reject_field(f.index, f.prefix + blank + f.suffix).detail,
                      f.name + ": control character U+000" +
                          std::string(1, "0123456789ABCDEF"[static_cast<int>(*blank)]) +
                          " at byte " + std::to_string(f.prefix.size()));
        }
    }
    // WKT treats them as whitespace: they separate the numbers.
    EXPECT_TRUE(accepts_field(1, "POINT (14.4\t50.0)"));
    EXPECT_TRUE(accepts_field(2, "POINT\r\n(14.4\v\f50.0)\n"));
}

TEST(TripRowText, OffsetsAreWithinTheUntrimmedField) {
    EXPECT_EQ(reject_field(0, " \tPra\xC0\xAFgue").detail,
              "region: invalid UTF-8 at byte 5 (overlong encoding)");
    EXPECT_EQ(reject_field(4, "  x\x01").detail, "datasource: control character U+0001 at byte 3");
    EXPECT_EQ(reject_field(3, " 2018-05-28 09:03:40\xFF").detail,
              "datetime: invalid UTF-8 at byte 20 (invalid byte)");
}

TEST(TripRowText, AcceptsNonAsciiNames) {
    Trip trip;
    RowError error;
    ASSERT_TRUE(parse_trip_row(record_of({"Praha \xC4\x8D", kO, kD, kT, "\xF0\x9F\x9A\x97 car"}),
                               standard_columns(), trip, error))
        << error.reason();
    EXPECT_EQ(trip.region, "Praha \xC4\x8D");
    EXPECT_EQ(trip.datasource, "\xF0\x9F\x9A\x97 car");
}

TEST(TripRowText, RejectsOversizedNamesByBytes) {
    EXPECT_TRUE(accepts_field(0, std::string(64, 'r')));
    EXPECT_EQ(reject_field(0, std::string(65, 'r')).reason(),
              "bad_region: region longer than 64 bytes (65)");
    std::string c32;
    for (int i = 0; i < 32; ++i)
        c32 += "\xC4\x8D";  // 64 bytes, 32 characters
    EXPECT_TRUE(accepts_field(0, c32));
    EXPECT_TRUE(accepts_field(4, c32));
    EXPECT_EQ(reject_field(0, c32 + "\xC4\x8D").reason(),
              "bad_region: region longer than 64 bytes (66)");
    EXPECT_EQ(reject_field(4, std::string(65, 'd')).reason(),
              "bad_datasource: datasource longer than 64 bytes (65)");
    EXPECT_EQ(reject_field(4, std::string(60000, '\0')).code, "bad_datasource");
    EXPECT_EQ(reject_field(1, "POINT (1 " + std::string(60000, '2') + ")").code,
              "bad_origin_coord");
    EXPECT_EQ(reject_field(3, std::string(60000, '2')).code, "bad_datetime");
}

TEST(TripRowText, RejectsNumbersOutOfRangeAndNonFinite) {
    EXPECT_EQ(reject_field(1, "POINT (180.0000001 0)").code, "bad_origin_coord");
    EXPECT_EQ(reject_field(2, "POINT (0 -90.0000001)").code, "bad_destination_coord");
    EXPECT_EQ(reject_field(1, "POINT (1e308 0)").code, "bad_origin_coord");
    EXPECT_EQ(reject_field(1, "POINT (1e309 0)").code, "bad_origin_coord");
    for (const char* bad : {"POINT (nan 0)", "POINT (0 NaN)", "POINT (inf 0)", "POINT (0 -inf)",
                            "POINT (infinity 0)", "POINT (0x1p3 0)"}) {
        EXPECT_EQ(reject_field(1, bad).code, "bad_origin_coord") << bad;
        EXPECT_EQ(reject_field(2, bad).code, "bad_destination_coord") << bad;
    }
    EXPECT_TRUE(accepts_field(1, "POINT (-0 -0)"));
    EXPECT_TRUE(accepts_field(2, "POINT (4.9e-324 -4.9e-324)"));
    EXPECT_TRUE(accepts_field(1, "POINT (-180 90)"));
}

TEST(TripRowText, RejectsDatesOutsideTheSupportedRange) {
    EXPECT_EQ(reject_field(3, "1899-12-31 23:59:59").code, "bad_datetime");
    EXPECT_EQ(reject_field(3, "2200-01-01 00:00:00").code, "bad_datetime");
    EXPECT_EQ(reject_field(3, "1900-01-01 00:00:00+00:01").code, "bad_datetime");
    EXPECT_TRUE(accepts_field(3, "1900-01-01 00:00:00"));
    EXPECT_TRUE(accepts_field(3, "2199-12-31 23:59:59.999999"));
}

TEST(TripRowText, EveryReasonIsPrintableText) {
    std::mt19937 rng(5);
    static constexpr char kAscii[] = "POINT()0123456789.-+e :TZ,\"\\xyz\0\t\n";
    const std::string alphabet = std::string(kAscii, sizeof kAscii - 1) +
                                 "\xC0\xC2\x85\xE2\x82\xAC\xED\xA0\xF0\x9F\xF4\x90\xFF\x80\xBF";
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::string> fields = {"Prague", std::string(kO), std::string(kD),
                                           std::string(kT), "x"};
        std::string& f = fields[rng() % fields.size()];
        for (int k = static_cast<int>(rng() % 4); k >= 0; --k) {
            const size_t at = rng() % (f.size() + 1);
            f.insert(f.begin() + static_cast<std::ptrdiff_t>(at),
                     alphabet[rng() % alphabet.size()]);
        }
        Trip trip;
        RowError error;
        if (parse_trip_row(record_of({fields[0], fields[1], fields[2], fields[3], fields[4]}),
                           standard_columns(), trip, error)) {
            ASSERT_TRUE(validate_trip(trip, error)) << error.reason();
            ASSERT_TRUE(is_printable_text(trip.region));
            ASSERT_TRUE(is_printable_text(trip.datasource));
        } else {
            ASSERT_TRUE(is_printable_text(error.reason())) << sanitize_text(error.reason());
        }
    }
}

// ---- validate_trip

Trip good_trip() {
    Trip t;
    t.region = "Prague";
    t.origin = {14.4973794438195, 50.00136875782316};
    t.destination = {14.43109483523328, 50.04052930943246};
    t.time_us = kMay28;
    t.datasource = "funny_car";
    return t;
}

std::string trip_verdict(const Trip& t) {
    RowError error;
    if (validate_trip(t, error)) return "ok";
    EXPECT_TRUE(is_printable_text(error.reason())) << sanitize_text(error.reason());
    return error.reason();
}

TEST(ValidateTrip, AcceptsAGoodTrip) {
    EXPECT_EQ(trip_verdict(good_trip()), "ok");
}

TEST(ValidateTrip, ChecksNames) {
    for (const bool region : {true, false}) {
        const std::string code = region ? "bad_region" : "bad_datasource";
        const std::string name = region ? "region" : "datasource";
        auto with = [&](const std::string& value) {
            Trip t = good_trip();
            (region ? t.region : t.datasource) = value;
            return trip_verdict(t);
        };
        EXPECT_EQ(with(""), code + ": " + name + " is empty");
        EXPECT_EQ(with(std::string(64, 'n')), "ok");
        EXPECT_EQ(with(std::string(65, 'n')), code + ": " + name + " longer than 64 bytes (65)");
        EXPECT_EQ(with(std::string(255, 'n')), code + ": " + name + " longer than 64 bytes (255)");
        EXPECT_EQ(with("ab\xC0\xAF"),
                  code + ": " + name + ": invalid UTF-8 at byte 2 (overlong encoding)");
        EXPECT_EQ(with("ab\xED\xA0\x80"),
                  code + ": " + name + ": invalid UTF-8 at byte 2 (surrogate code point)");
        EXPECT_EQ(with("ab\xF4\x90\x80\x80"),
                  code + ": " + name + ": invalid UTF-8 at byte 2 (code point above U+10FFFF)");
        EXPECT_EQ(with("ab\xE2\x82"),
                  code + ": " + name + ": invalid UTF-8 at byte 2 (truncated sequence)");
        EXPECT_EQ(with("\x80"),
                  code + ": " + name + ": invalid UTF-8 at byte 0 (unexpected continuation byte)");
        EXPECT_EQ(with("a\0b"s), code + ": " + name + ": control character U+0000 at byte 1");
        EXPECT_EQ(with("a\nb"), code + ": " + name + ": control character U+000A at byte 1");
        EXPECT_EQ(with("a\x7F"), code + ": " + name + ": control character U+007F at byte 1");
        EXPECT_EQ(with("a\xC2\x85"), code + ": " + name + ": control character U+0085 at byte 1");
        EXPECT_EQ(with(" a"), code + ": " + name + " has leading or trailing blanks");
        EXPECT_EQ(with("a "), code + ": " + name + " has leading or trailing blanks");
        EXPECT_EQ(with("a b \xC4\x8D"), "ok");
        EXPECT_EQ(with("\ta"), code + ": " + name + ": control character U+0009 at byte 0");
        EXPECT_EQ(with("a\t"), code + ": " + name + ": control character U+0009 at byte 1");
        // Around the eight-byte words of the ASCII fast path.
        for (size_t length = 1; length <= 17; ++length) {
            const std::string n(length, 'n');
            EXPECT_EQ(with(n), "ok");
            EXPECT_EQ(with(n + " "), code + ": " + name + " has leading or trailing blanks");
            EXPECT_EQ(with(n + "\x7F"), code + ": " + name + ": control character U+007F at byte " +
                                            std::to_string(length));
            EXPECT_EQ(with(n + "\xC3\xA9"), "ok");
        }
    }
}

TEST(ValidateTrip, ChecksPoints) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const double sub = std::numeric_limits<double>::denorm_min();
    for (const bool origin : {true, false}) {
        const std::string code = origin ? "bad_origin_coord" : "bad_destination_coord";
        auto with = [&](double lon, double lat) {
            Trip t = good_trip();
            (origin ? t.origin : t.destination) = {lon, lat};
            return trip_verdict(t);
        };
        EXPECT_EQ(with(nan, 0), code + ": longitude nan is not a finite number");
        EXPECT_EQ(with(0, nan).substr(0, code.size() + 10), code + ": latitude");
        EXPECT_EQ(with(inf, 0), code + ": longitude inf is not a finite number");
        EXPECT_EQ(with(-inf, 0), code + ": longitude -inf is not a finite number");
        EXPECT_EQ(with(0, inf), code + ": latitude inf is not a finite number");
        EXPECT_EQ(with(181, 0), code + ": longitude 181 out of range [-180, 180]");
        EXPECT_EQ(with(0, -91), code + ": latitude -91 out of range [-90, 90]");
        EXPECT_EQ(with(std::numeric_limits<double>::max(), 0).substr(0, code.size() + 11),
                  code + ": longitude");
        EXPECT_EQ(with(-180, -90), "ok");
        EXPECT_EQ(with(180, 90), "ok");
        EXPECT_EQ(with(-0.0, -0.0), "ok");
        EXPECT_EQ(with(sub, -sub), "ok");
        EXPECT_EQ(with(std::numeric_limits<double>::min() / 2, 0), "ok");
    }
}

TEST(ValidateTrip, ChecksTheTime) {
    auto with = [](int64_t t_us) {
        Trip t = good_trip();
        t.time_us = t_us;
        return trip_verdict(t);
    };
    EXPECT_EQ(with(kMinTripTimeUs), "ok");
    EXPECT_EQ(with(kMaxTripTimeUs), "ok");
    EXPECT_EQ(with(0), "ok");
    EXPECT_EQ(with(kMinTripTimeUs - 1),
              "bad_datetime: time 1899-12-31 23:59:59.999999 UTC out of range [1900-01-01 "
              "00:00:00, 2199-12-31 23:59:59.999999] UTC");
    EXPECT_EQ(with(kMaxTripTimeUs + 1).substr(0, 43),
              "bad_datetime: time 2200-01-01 00:00:00 UTC ");
    EXPECT_EQ(with(INT64_MIN).substr(0, 60),
              "bad_datetime: time -9223372036854775808 us since the epoch o");
    EXPECT_EQ(with(INT64_MAX).substr(0, 59),
              "bad_datetime: time 9223372036854775807 us since the epoch o");
}

TEST(ValidateTrip, AcceptsEveryGeneratedTrip) {
    TripGenerator generator;
    Trip trip;
    for (uint64_t i = 0; i < 2000; ++i) {
        generator.generate(i, trip);
        ASSERT_EQ(trip_verdict(trip), "ok") << i;
    }
}

TEST(TripColumnsTest, FindsColumnsInAnyOrderAndCase) {
    const TripColumns c = find_trip_columns(
        {"extra", "Datasource", " DATETIME", "destination_coord", "origin_coord", "region "});
    EXPECT_EQ(c.region, 5u);
    EXPECT_EQ(c.datasource, 1u);
    EXPECT_EQ(c.field_count, 6u);
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
