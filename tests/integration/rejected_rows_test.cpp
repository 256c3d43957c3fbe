// A job's rejected rows as the API lists them (GET /v1/ingestions/{id}/rejected), against a
// scratch database holding hand-written tripstream.rejected_rows: keyset pages that cover every
// row of the job exactly once and in order, raw bytes of any kind (NUL, invalid UTF-8, long
// excerpts) rendered as valid text, the job filter, 404 for unknown jobs, and over HTTP the
// 400s naming the parameter and the API key.
#include "tripstream/status/rejected_rows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "support/api_process.hpp"
#include "support/http_client.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/status/status_reader.hpp"

namespace tripstream::status {
namespace {

const std::string kJobA = "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b11";  // 250 rows
const std::string kJobB = "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b22";  // 3 rows, odd raw bytes
const std::string kJobC = "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b33";  // rows, but no job row
const std::string kJobD = "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b44";  // a job row, no rows
const std::string kUnknown = "0b6f3c7e-2d1a-4c55-9a43-8f0e6a4f2b99";

class RejectedRowsDb : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        scratch_ = std::make_unique<test::ScratchDatabase>("it_rejected");
        conn_ = std::make_unique<db::PgConnection>(scratch_->url(), "rejected-rows-test");
        for (const std::string& job : {kJobA, kJobB, kJobD}) {
            conn_->exec(
                "INSERT INTO tripstream.ingestion_jobs (job_id, source, producer_state)"
                " VALUES ($1, 'trips.csv', 'produced')",
                {job});
        }
        // Interleaved with other jobs' rows, so that a page must skip them.
        conn_->exec(
            "INSERT INTO tripstream.rejected_rows (job_id, stage, source, line, reason, raw,"
            " raw_length, kafka_topic, kafka_partition, kafka_offset)"
            " SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE $1::uuid END,"
            "        CASE WHEN i % 2 = 0 THEN 'producer' ELSE 'consumer' END, 'trips.csv', i,"
            "        'bad_datetime: row ' || i, convert_to('row ' || i, 'UTF8'),"
            "        length('row ' || i), 'trips', i % 12, 1000 + i"
            " FROM generate_series(1, 312) AS i",
            {kJobA});
        add_raw(kJobB, "00ff41", 3);                 // NUL, an invalid byte, 'A'
        add_raw(kJobB, "5c78e29c93", 5000);          // a backslash, "x", a check mark; excerpt
        add_raw(kJobB, std::nullopt, std::nullopt);  // nothing kept
        add_raw(kJobC, "414243", 3);
    }

    static void TearDownTestSuite() {
        conn_.reset();
        scratch_.reset();
    }

    static void add_raw(const std::string& job, const std::optional<std::string>& hex,
                        const std::optional<int>& length) {
        conn_->exec(
            "INSERT INTO tripstream.rejected_rows (job_id, stage, source, line, reason, raw,"
            " raw_length, kafka_topic, kafka_partition, kafka_offset)"
            " VALUES ($1, 'consumer', NULL, NULL, 'undecodable message', decode($2, 'hex'), $3,"
            " 'trips', 4, 77)",
            {job, hex,
             length ? std::optional<std::string>(std::to_string(*length)) : std::nullopt});
    }

    static inline std::unique_ptr<test::ScratchDatabase> scratch_;
    static inline std::unique_ptr<db::PgConnection> conn_;
};

TEST_F(RejectedRowsDb, PagesCoverEveryRowOfTheJobOnceInOrder) {
    std::vector<int64_t> ids;
    std::optional<int64_t> after;
    int pages = 0;
    while (true) {
        const RejectedPage page = read_rejected_rows(*conn_, kJobA, after, 100);
        ++pages;
        for (const RejectedRow& row : page.rows) {
            ids.push_back(row.rejected_id);
            EXPECT_EQ(row.reason, "bad_datetime: row " + std::to_string(*row.line));
            EXPECT_EQ(row.raw, "row " + std::to_string(*row.line));
            EXPECT_EQ(row.kafka_offset, 1000 + *row.line);
            EXPECT_EQ(row.kafka_partition, *row.line % 12);
            EXPECT_EQ(row.stage, *row.line % 2 == 0 ? "producer" : "consumer");
            EXPECT_EQ(row.source, "trips.csv");
            EXPECT_GT(row.rejected_at_us, 0);
        }
        if (!page.next_after) break;
        EXPECT_EQ(page.rows.size(), 100u);
        EXPECT_EQ(*page.next_after, page.rows.back().rejected_id);
        after = page.next_after;
        ASSERT_LT(pages, 10);
    }
    // 312 rows, every fifth without a job: 250 of job A, in 3 pages (100, 100, 50).
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(ids.size(), 250u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size());

    // A page that ends exactly at the last row says so: no `next` pointing at an empty page.
    const RejectedPage exact = read_rejected_rows(*conn_, kJobA, ids[149], 100);
    EXPECT_EQ(exact.rows.size(), 100u);
    EXPECT_EQ(exact.next_after, std::nullopt);
    EXPECT_TRUE(read_rejected_rows(*conn_, kJobA, ids.back(), 100).rows.empty());
    // The limit is kept within 1..1000.
    EXPECT_EQ(read_rejected_rows(*conn_, kJobA, std::nullopt, 5000).rows.size(), 250u);
    EXPECT_EQ(read_rejected_rows(*conn_, kJobA, std::nullopt, 0).rows.size(), 1u);
}

TEST_F(RejectedRowsDb, RawBytesOfAnyKindBecomeValidText) {
    const RejectedPage page = read_rejected_rows(*conn_, kJobB, std::nullopt, 100);
    ASSERT_EQ(page.rows.size(), 3u);
    EXPECT_EQ(page.rows[0].raw, std::string("\0\xff"
                                            "A",
                                            3));
    const nlohmann::json nul = to_json(page.rows[0]);
    EXPECT_EQ(nul["raw"], "\\x00\\xffA");
    EXPECT_EQ(nul["raw_length"], 3);
    EXPECT_EQ(nul["raw_truncated"], false);
    EXPECT_TRUE(nul["line"].is_null());
    EXPECT_TRUE(nul["source"].is_null());

    const nlohmann::json excerpt = to_json(page.rows[1]);
    EXPECT_EQ(excerpt["raw"], "\\\\x\u2713");
    EXPECT_EQ(excerpt["raw_length"], 5000);
    EXPECT_EQ(excerpt["raw_truncated"], true);

    const nlohmann::json none = to_json(page.rows[2]);
    EXPECT_TRUE(none["raw"].is_null());
    EXPECT_TRUE(none["raw_length"].is_null());
    EXPECT_EQ(none["raw_truncated"], false);
}

TEST_F(RejectedRowsDb, UnknownJobsAreNotFoundKnownOnesWithoutRowsAreEmpty) {
    EXPECT_THROW(read_rejected_rows(*conn_, kUnknown, std::nullopt, 100), JobNotFound);
    EXPECT_THROW(read_rejected_rows(*conn_, "not-a-uuid", std::nullopt, 100), JobNotFound);
    EXPECT_THROW(read_rejected_rows(*conn_, "'; DROP TABLE x; --", std::nullopt, 100), JobNotFound);
    EXPECT_TRUE(read_rejected_rows(*conn_, kJobD, std::nullopt, 100).rows.empty());
    // Rows under an id that has no job row yet (its record never arrived) are still listed.
    const RejectedPage c = read_rejected_rows(*conn_, kJobC, std::nullopt, 100);
    ASSERT_EQ(c.rows.size(), 1u);
    EXPECT_EQ(c.rows[0].raw, "ABC");
}

// --- over HTTP -----------------------------------------------------------------------------

class RejectedRowsApi : public RejectedRowsDb {
  protected:
    static void SetUpTestSuite() {
        RejectedRowsDb::SetUpTestSuite();
        const std::string topic = test::unique_name("it-rejected");
        dir_ = std::filesystem::temp_directory_path() / topic;
        std::filesystem::create_directories(dir_);
        auto env = test::program_env(topic);
        env["DATABASE_URL"] = scratch_->url();
        env["API_KEY"] = "rejected-key";
        api_ = std::make_unique<test::ApiProcess>(env, (dir_ / "api.log").string());
    }
    static void TearDownTestSuite() {
        api_.reset();
        if (::testing::UnitTest::GetInstance()->failed_test_count() == 0)
            std::filesystem::remove_all(dir_);
        RejectedRowsDb::TearDownTestSuite();
    }

    static test::HttpResult get(const std::string& target) {
        return test::http_get(api_->port(), target, {{"X-API-Key", "rejected-key"}});
    }

    static inline std::filesystem::path dir_;
    static inline std::unique_ptr<test::ApiProcess> api_;
};

TEST_F(RejectedRowsApi, FollowingNextListsEveryRowOnce) {
    std::string target = "/v1/ingestions/" + kJobA + "/rejected?limit=120";
    std::vector<int64_t> ids;
    int pages = 0;
    while (true) {
        const auto r = get(target);
        ASSERT_EQ(r.status, 200) << r.body;
        const auto body = r.json();
        EXPECT_EQ(body["job_id"], kJobA);
        EXPECT_EQ(body["limit"], 120);
        for (const auto& item : body["items"]) {
            ids.push_back(item["rejected_id"].get<int64_t>());
            for (const char* field :
                 {"stage", "source", "line", "reason", "kafka_topic", "kafka_partition",
                  "kafka_offset", "raw", "raw_length", "raw_truncated", "rejected_at"})
                EXPECT_TRUE(item.contains(field)) << field;
        }
        ASSERT_LT(++pages, 10);
        if (body["next"].is_null()) {
            EXPECT_TRUE(body["next_url"].is_null());
            break;
        }
        EXPECT_EQ(body["next"], ids.back());
        target = body["next_url"].get<std::string>();
        EXPECT_EQ(target, "/v1/ingestions/" + kJobA +
                              "/rejected?limit=120&after=" + std::to_string(ids.back()));
    }
    EXPECT_EQ(pages, 3);  // 120 + 120 + 10
    EXPECT_EQ(ids.size(), 250u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));

    // Default page size 100; the id in any case; the raw bytes escaped.
    std::string upper = kJobA;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    const auto first = get("/v1/ingestions/" + upper + "/rejected").json();
    EXPECT_EQ(first["items"].size(), 100u);
    EXPECT_EQ(first["limit"], 100);
    EXPECT_EQ(first["job_id"], kJobA);
    EXPECT_TRUE(first["after"].is_null());
    const auto odd = get("/v1/ingestions/" + kJobB + "/rejected?limit=1").json();
    EXPECT_EQ(odd["items"][0]["raw"], "\\x00\\xffA");
}

TEST_F(RejectedRowsApi, BadRequestsAreProblemsAndTheKeyIsRequired) {
    const std::string base = "/v1/ingestions/" + kJobA + "/rejected";
    for (const auto& [query, parameter] :
         std::vector<std::pair<std::string, std::string>>{{"?limit=0", "limit"},
                                                          {"?limit=1001", "limit"},
                                                          {"?limit=abc", "limit"},
                                                          {"?after=-3", "after"},
                                                          {"?after=", "after"},
                                                          {"?page=2", "page"}}) {
        const auto r = get(base + query);
        EXPECT_EQ(r.status, 400) << query << " " << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json");
        EXPECT_EQ(r.json()["parameter"], parameter) << query;
    }
    for (const std::string& id : {kUnknown, std::string("nope")}) {
        const auto r = get("/v1/ingestions/" + id + "/rejected");
        EXPECT_EQ(r.status, 404) << r.body;
        EXPECT_EQ(r.json()["parameter"], "id");
    }
    EXPECT_EQ(test::http_get(api_->port(), base).status, 401);
    EXPECT_EQ(get(base).status, 200);
}

}  // namespace
}  // namespace tripstream::status
