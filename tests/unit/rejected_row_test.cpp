// Dead-letter records (docs/message-format.md, trips.dlq) and job records: any bytes in, valid
// JSON out, and a reader that refuses bad records with a clean error.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tripstream/jobs/job_record.hpp"
#include "tripstream/text/base64.hpp"
#include "tripstream/text/utf8.hpp"

namespace tripstream {
namespace {

using namespace std::string_literals;

RejectedRow sample_row(std::string raw) {
    return {"123e4567-e89b-42d3-a456-426614174000", "trips.csv", 52,
            "bad_region: region: invalid UTF-8 at byte 3 (overlong encoding)", std::move(raw)};
}

// The record as it travels: dumped to text, parsed back.
RejectedRow through_kafka(const RejectedRow& row) {
    return rejected_row_from_json(nlohmann::json::parse(to_json(row).dump()));
}

// The message of the exception rejected_row_from_json throws ("" when it does not throw).
std::string read_error(const nlohmann::json& j) {
    try {
        rejected_row_from_json(j);
    } catch (const std::invalid_argument& e) {
        EXPECT_TRUE(is_printable_text(e.what())) << sanitize_text(e.what());
        return e.what();
    } catch (...) {
        ADD_FAILURE() << "threw something other than std::invalid_argument";
        return "?";
    }
    return "";
}

TEST(RejectedRowRecord, CarriesTheExactBytesOfAnyRow) {
    for (const std::string& raw :
         {"Prague,POINT (14.4 123.4),POINT (14.4 50.0),2018-05-28 09:03:40,x"s,
          "Pra\xC0\xAFgue,POINT (1 2),POINT (3 4),2018-05-28 09:03:40,x"s, "a\0b\0"s,
          "\xFF\xFE\xED\xA0\x80\xF4\x90\x80\x80"s, "tab\tcr\r\"quote\" \\"s, ""s,
          "M\xC3\xBCnchen \xF0\x9F\x9A\x97"s}) {
        const RejectedRow row = sample_row(raw);
        const nlohmann::json j = to_json(row);
        std::string text;
        ASSERT_NO_THROW(text = j.dump()) << sanitize_text(raw);
        EXPECT_TRUE(is_valid_utf8(text));
        EXPECT_EQ(j["raw_b64"], base64_encode(raw));
        EXPECT_EQ(j["raw_length"], raw.size());
        EXPECT_EQ(j["version"], 1);
        const RejectedRow back = through_kafka(row);
        EXPECT_EQ(back.raw, raw);
        EXPECT_EQ(back.raw_length, raw.size());
        EXPECT_EQ(back.job_id, row.job_id);
        EXPECT_EQ(back.source, row.source);
        EXPECT_EQ(back.line, 52u);
        EXPECT_EQ(back.reason, row.reason);
    }
}

TEST(RejectedRowRecord, RawIsReadableTextForPeople) {
    EXPECT_EQ(to_json(sample_row("Prague,x"))["raw"], "Prague,x");
    EXPECT_EQ(to_json(sample_row("a\tb"))["raw"], "a\tb");  // valid UTF-8: verbatim
    EXPECT_EQ(to_json(sample_row("Pra\xC0gue\\"))["raw"], "Pra\\xc0gue\\\\");
}

TEST(RejectedRowRecord, CapsRawAt4096BytesAndKeepsTheLength) {
    const std::string raw(10000, 'x');
    const nlohmann::json j = to_json(sample_row(raw));
    std::string bytes;
    ASSERT_TRUE(base64_decode(j["raw_b64"].get<std::string>(), bytes));
    EXPECT_EQ(bytes.size(), kMaxRejectedRawBytes);
    EXPECT_EQ(j["raw_length"], 10000u);
    const RejectedRow back = through_kafka(sample_row(raw));
    EXPECT_EQ(back.raw, raw.substr(0, 4096));
    EXPECT_EQ(back.raw_length, 10000u);
    // A row already cut by the reader keeps the length it says.
    RejectedRow cut = sample_row(std::string(256, 'y'));
    cut.raw_length = 70000;
    EXPECT_EQ(through_kafka(cut).raw_length, 70000u);
    // Cutting invalid UTF-8 anywhere still dumps.
    std::string nasty;
    for (int i = 0; i < 5000; ++i)
        nasty += "\xE2\x82\xAC\xFF";
    EXPECT_NO_THROW(to_json(sample_row(nasty)).dump());
}

TEST(RejectedRowRecord, OtherStringsNeverBreakTheJson) {
    RejectedRow row = sample_row("x");
    row.source = "dir/\xFF\xFEname.csv";  // file names are bytes
    row.reason = "bad_region: \xC0";
    row.job_id = "\x80";
    const nlohmann::json j = to_json(row);
    ASSERT_NO_THROW(j.dump());
    EXPECT_EQ(j["source"], "dir/\\xff\\xfename.csv");
    const RejectedRow back = through_kafka(row);
    EXPECT_EQ(back.source, "dir/\\xff\\xfename.csv");
    EXPECT_EQ(back.reason, "bad_region: \\xc0");
}

TEST(RejectedRowRecord, ReadsOldRecordsWithOnlyRaw) {
    const nlohmann::json old = nlohmann::json::parse(
        R"({"version":1,"job_id":"9b2e0000-0000-4000-8000-000000000000","source":"trips.csv",
            "line":52,"reason":"bad_origin_coord: latitude 123.4 out of range [-90, 90]",
            "raw":"Prague,POINT (14.4 123.4),POINT (14.4 50.0),2018-05-28 09:03:40,x"})");
    const RejectedRow row = rejected_row_from_json(old);
    EXPECT_EQ(row.raw, "Prague,POINT (14.4 123.4),POINT (14.4 50.0),2018-05-28 09:03:40,x");
    EXPECT_EQ(row.raw_length, row.raw.size());
    EXPECT_EQ(row.line, 52u);
    // An old record's long raw is cut to the cap, its length kept.
    nlohmann::json long_old = old;
    long_old["raw"] = std::string(70000, 'z');
    const RejectedRow cut = rejected_row_from_json(long_old);
    EXPECT_EQ(cut.raw.size(), kMaxRejectedRawBytes);
    EXPECT_EQ(cut.raw_length, 70000u);
}

TEST(RejectedRowRecord, RefusesMalformedRecordsCleanly) {
    const nlohmann::json good = to_json(sample_row("abc"));
    EXPECT_EQ(read_error(good), "");
    EXPECT_EQ(read_error(nlohmann::json::array()), "rejected row is not a JSON object");
    EXPECT_EQ(read_error(nlohmann::json("text")), "rejected row is not a JSON object");
    EXPECT_EQ(read_error(nlohmann::json()), "rejected row is not a JSON object");
    for (const char* name : {"version", "job_id", "source", "line", "reason", "raw_b64"}) {
        nlohmann::json j = good;
        if (std::string(name) == "raw_b64") j.erase("raw");  // then neither raw form is there
        j.erase(name);
        EXPECT_EQ(read_error(j), std::string("missing field '") +
                                     (std::string(name) == "raw_b64" ? "raw" : name) + "'");
    }
    auto with = [&](const char* name, nlohmann::json value) {
        nlohmann::json j = good;
        j[name] = std::move(value);
        return read_error(j);
    };
    EXPECT_EQ(with("version", 2), "field 'version' is not supported");
    EXPECT_EQ(with("version", "1"), "field 'version' has the wrong type (expected an integer)");
    EXPECT_EQ(with("version", 1.0), "field 'version' has the wrong type (expected an integer)");
    EXPECT_EQ(with("job_id", 5), "field 'job_id' has the wrong type (expected a string)");
    EXPECT_EQ(with("source", nullptr), "field 'source' has the wrong type (expected a string)");
    EXPECT_EQ(with("reason", nlohmann::json::array()),
              "field 'reason' has the wrong type (expected a string)");
    EXPECT_EQ(with("line", -1), "field 'line' is negative");
    EXPECT_EQ(with("line", 1.5), "field 'line' has the wrong type (expected an unsigned integer)");
    EXPECT_EQ(with("line", "52"), "field 'line' has the wrong type (expected an unsigned integer)");
    EXPECT_EQ(with("line", true), "field 'line' has the wrong type (expected an unsigned integer)");
    EXPECT_EQ(with("raw_b64", 7), "field 'raw_b64' has the wrong type (expected a string)");
    EXPECT_EQ(with("raw_b64", "not base64!"), "field 'raw_b64' is not valid base64");
    EXPECT_EQ(with("raw_b64", "YWJj\n"), "field 'raw_b64' is not valid base64");
    EXPECT_EQ(with("raw_b64", base64_encode(std::string(4097, 'x'))),
              "field 'raw_b64' is too long");
    EXPECT_EQ(with("raw_b64", std::string(10'000'000, 'A')), "field 'raw_b64' is too long");
    EXPECT_EQ(with("raw_length", 2), "field 'raw_length' is smaller than the raw bytes");
    EXPECT_EQ(with("raw_length", -3), "field 'raw_length' is negative");
    EXPECT_EQ(with("raw_length", "3"),
              "field 'raw_length' has the wrong type (expected an unsigned integer)");
    nlohmann::json old = good;
    old.erase("raw_b64");
    old["raw"] = 12;
    EXPECT_EQ(read_error(old), "field 'raw' has the wrong type (expected a string)");
}

TEST(RejectedRowRecord, MakesHugeAndControlStringsSafe) {
    nlohmann::json j = to_json(sample_row("abc"));
    j["source"] = std::string(1'000'000, 's');
    j["reason"] = "bad\0reason\nhere"s;
    j["job_id"] = std::string(100, 'j');
    const RejectedRow row = rejected_row_from_json(nlohmann::json::parse(j.dump()));
    EXPECT_EQ(row.source, std::string(kMaxRecordTextBytes, 's') + "...");
    EXPECT_EQ(row.reason, "bad\\x00reason\\x0ahere");
    EXPECT_EQ(row.job_id, std::string(kMaxRecordIdBytes, 'j') + "...");
}

TEST(RejectedRowRecord, RandomJsonNeverEscapesAsAnythingButInvalidArgument) {
    std::mt19937 rng(9);
    const nlohmann::json good = to_json(sample_row("abc"));
    const std::vector<nlohmann::json> values = {nullptr,
                                                true,
                                                -1,
                                                0,
                                                1,
                                                18446744073709551615ULL,
                                                -9223372036854775807LL - 1,
                                                1.5,
                                                "",
                                                "x",
                                                std::string(1, '\0'),
                                                nlohmann::json::array(),
                                                nlohmann::json::object(),
                                                "AAAA",
                                                "===="};
    for (int i = 0; i < 5000; ++i) {
        nlohmann::json j = good;
        for (int k = static_cast<int>(rng() % 3); k >= 0; --k) {
            const std::string name =
                std::vector<std::string>{"version", "job_id", "source",  "line",
                                         "reason",  "raw",    "raw_b64", "raw_length"}[rng() % 8];
            if (rng() % 4 == 0) {
                j.erase(name);
            } else {
                j[name] = values[rng() % values.size()];
            }
        }
        read_error(j);
    }
}

TEST(RejectedRowRecord, ParsingTextGivesCleanErrors) {
    const std::string good = to_json(sample_row("a\xFF")).dump();
    EXPECT_EQ(parse_rejected_row(good).raw, "a\xFF");
    for (const std::string& bad : {""s, "{"s, "\xFF\xFE"s, "{\"raw\":\"\xC0\xAF\"}"s, "[1,2"s,
                                   "{\"version\":1}"s, std::string(100000, '[')}) {
        try {
            parse_rejected_row(bad);
            ADD_FAILURE() << "accepted " << sanitize_text(bad);
        } catch (const std::invalid_argument& e) {
            EXPECT_TRUE(is_printable_text(e.what())) << sanitize_text(e.what());
        }
        try {
            parse_job_record(bad);
            ADD_FAILURE() << "accepted " << sanitize_text(bad);
        } catch (const std::invalid_argument& e) {
            EXPECT_TRUE(is_printable_text(e.what())) << sanitize_text(e.what());
        }
    }
}

TEST(JobRecordJson, RefusesWrongTypesAndCleansStrings) {
    JobRecord job;
    job.job_id = "123e4567-e89b-42d3-a456-426614174000";
    job.source = "in\xFF.csv";
    job.error = "broke\x01";
    job.started_at_us = -5;
    const nlohmann::json j = to_json(job);
    ASSERT_NO_THROW(j.dump());
    const JobRecord back = job_record_from_json(nlohmann::json::parse(j.dump()));
    EXPECT_EQ(back.source, "in\\xff.csv");
    EXPECT_EQ(back.error, "broke\\x01");
    EXPECT_EQ(back.started_at_us, -5);
    auto with = [&](const char* name, nlohmann::json value) -> std::string {
        nlohmann::json bad = j;
        bad[name] = std::move(value);
        try {
            job_record_from_json(bad);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_EQ(with("rows_sent", -1), "field 'rows_sent' is negative");
    EXPECT_EQ(with("rows_sent", 2.5),
              "field 'rows_sent' has the wrong type (expected an unsigned integer)");
    EXPECT_EQ(with("started_at_us", 18446744073709551615ULL),
              "field 'started_at_us' is out of range");
    EXPECT_EQ(with("state", 3), "field 'state' has the wrong type (expected a string)");
    EXPECT_EQ(with("version", 2), "field 'version' is not supported");
}

}  // namespace
}  // namespace tripstream
