// sql/questions.sql against data of its own: the suite creates a scratch database on the
// stack's PostgreSQL (PostGIS, tripstream migrations), inserts generated trips, runs the
// file's statements by their `-- name:` and compares each answer with the same question
// computed here in C++ from the rows it inserted. The database is dropped at the end, so other
// tests' rows can neither disturb nor be disturbed.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "tripstream/db/migrations.hpp"

namespace tripstream {
namespace {

struct NamedStatement {
    std::string name;
    std::string sql;
};

// Splits SQL text at the semicolons outside quotes and comments. Each statement takes the
// name of the last "-- name: X" comment before it (empty if none). Dollar quoting is not
// understood (the file does not use it).
std::vector<NamedStatement> split_statements(const std::string& text) {
    std::vector<NamedStatement> out;
    std::string name;
    std::string sql;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
            const size_t end = std::min(text.find('\n', i), text.size());
            const std::string comment = text.substr(i + 2, end - i - 2);
            const std::string tag = " name: ";
            if (comment.rfind(tag, 0) == 0) name = comment.substr(tag.size());
            i = end;
            sql.push_back('\n');
        } else if (c == '\'' || c == '"') {
            const size_t end = std::min(text.find(c, i + 1), text.size() - 1);
            sql += text.substr(i, end - i + 1);
            i = end;
        } else if (c == ';') {
            if (sql.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back({name, sql});
            name.clear();
            sql.clear();
        } else {
            sql.push_back(c);
        }
    }
    return out;
}

struct TripRow {
    int64_t time_s;  // seconds since the epoch, UTC
    std::string region;
    std::string datasource;
};

const std::vector<std::string> kRegions = {"Prague", "Turin", "Hamburg", "Milan"};
const std::vector<std::string> kDatasources = {"cheap_mobile", "funny_car", "baba_car",
                                               "pt_search_app", "bad_diesel_vehicles"};

constexpr int64_t kJan2018 = 1514764800;  // 2018-01-01T00:00:00Z
constexpr int64_t kApr2018 = 1522540800;  // 2018-04-01T00:00:00Z
constexpr int64_t kDay = 86400;

// 1,200 random trips over January to March 2018 (three month partitions), regions weighted
// 40/30/20/10 %. Milan never gets cheap_mobile but sometimes the look-alike cheap_mobile_v2.
// Then trips in April that make wrong readings of question (a) give other answers: the latest
// trip of all is in the third region, the most common region's latest trip is older than the
// second's, and the second's latest time is shared by two datasources (tie-break by name).
std::vector<TripRow> generate_trips() {
    std::mt19937_64 rng(20240607);
    std::discrete_distribution<int> region(std::initializer_list<double>{40, 30, 20, 10});
    std::uniform_int_distribution<int> source(0, static_cast<int>(kDatasources.size()) - 1);
    std::uniform_int_distribution<int64_t> time(kJan2018, kApr2018 - 1);
    std::vector<TripRow> rows;
    for (int i = 0; i < 1200; ++i) {
        TripRow row{time(rng), kRegions[static_cast<size_t>(region(rng))],
                    kDatasources[static_cast<size_t>(source(rng))]};
        if (row.region == "Milan" && row.datasource == "cheap_mobile")
            row.datasource = "cheap_mobile_v2";
        rows.push_back(row);
    }
    rows.push_back({kApr2018 + 20 * kDay, "Hamburg", "bad_diesel_vehicles"});
    rows.push_back({kApr2018 + 4 * kDay, "Prague", "pt_search_app"});
    rows.push_back({kApr2018 + 9 * kDay, "Turin", "funny_car"});
    rows.push_back({kApr2018 + 9 * kDay, "Turin", "cheap_mobile"});
    return rows;
}

// ------------------------------------------------------------ the answers, computed in C++

// True when `a` is more recent than `b` (on equal times: the smaller datasource name first).
bool more_recent(const TripRow& a, const TripRow& b) {
    return a.time_s != b.time_s ? a.time_s > b.time_s : a.datasource < b.datasource;
}

const TripRow& most_recent(const std::vector<TripRow>& rows,
                           const std::function<bool(const TripRow&)>& keep) {
    const TripRow* best = nullptr;
    for (const TripRow& row : rows) {
        if (keep(row) && (best == nullptr || more_recent(row, *best))) best = &row;
    }
    if (best == nullptr) throw std::logic_error("no trip matches");
    return *best;
}

// Regions by trip count, most first (ties by name).
std::vector<std::pair<std::string, int64_t>> regions_by_count(const std::vector<TripRow>& rows) {
    std::map<std::string, int64_t> counts;
    for (const TripRow& row : rows)
        ++counts[row.region];
    std::vector<std::pair<std::string, int64_t>> ranked(counts.begin(), counts.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return ranked;
}

struct DatasourceUse {
    int64_t trips = 0;
    int64_t first_s = 0;
    int64_t last_s = 0;
};

std::map<std::string, DatasourceUse> regions_using(const std::vector<TripRow>& rows,
                                                   const std::string& datasource) {
    std::map<std::string, DatasourceUse> out;
    for (const TripRow& row : rows) {
        if (row.datasource != datasource) continue;
        DatasourceUse& use = out[row.region];
        use.first_s = use.trips == 0 ? row.time_s : std::min(use.first_s, row.time_s);
        use.last_s = use.trips == 0 ? row.time_s : std::max(use.last_s, row.time_s);
        ++use.trips;
    }
    return out;
}

// How PostgreSQL prints a timestamptz with DateStyle ISO and TimeZone UTC.
std::string pg_utc(int64_t time_s) {
    const std::time_t t = time_s;
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S+00", &utc);
    return text;
}

// ------------------------------------------------------------ the test data

void insert_trips(const std::string& url, const std::vector<TripRow>& rows) {
    pqxx::connection conn(url);
    pqxx::work tx(conn);
    std::string values;
    for (const TripRow& row : rows) {
        values += values.empty() ? "" : ",";
        values += "(" + std::to_string(row.time_s) + "," + tx.quote(row.region) + "," +
                  tx.quote(row.datasource) + ")";
    }
    tx.exec0("CREATE TEMP TABLE q_input (s bigint, region text, datasource text)");
    tx.exec0("INSERT INTO q_input VALUES " + values);
    // Dimension rows without trips must not show up in any answer.
    tx.exec0(
        "INSERT INTO tripstream.regions (name) SELECT DISTINCT region FROM q_input"
        " UNION SELECT 'Vienna'");
    tx.exec0(
        "INSERT INTO tripstream.datasources (name) SELECT DISTINCT datasource FROM q_input"
        " UNION SELECT 'unused_source'");
    tx.exec("SELECT DISTINCT tripstream.ensure_trip_partition(to_timestamp(s)) FROM q_input");
    const int job_seq =
        tx.exec1(
              "INSERT INTO tripstream.ingestion_jobs (job_id, source)"
              " VALUES (gen_random_uuid(), 'questions_sql_test') RETURNING job_seq")[0]
            .as<int>();
    // Points in a small square per region: the questions do not look at them.
    const pqxx::result inserted = tx.exec_params(
        "INSERT INTO tripstream.trips (trip_time, job_seq, region_id, datasource_id, origin,"
        " destination)"
        " SELECT to_timestamp(i.s), $1, r.region_id, d.datasource_id,"
        "        ST_SetSRID(ST_MakePoint(10 + r.region_id * 0.1, 45), 4326),"
        "        ST_SetSRID(ST_MakePoint(10 + r.region_id * 0.1, 45.01), 4326)"
        "   FROM q_input i"
        "   JOIN tripstream.regions r ON r.name = i.region"
        "   JOIN tripstream.datasources d ON d.name = i.datasource",
        job_seq);
    if (inserted.affected_rows() != rows.size()) {
        throw std::runtime_error("inserted " + std::to_string(inserted.affected_rows()) +
                                 " trips of " + std::to_string(rows.size()));
    }
    tx.commit();
}

// ------------------------------------------------------------ the suite

class QuestionsSql : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        try {
            std::ifstream in(std::string(TRIPSTREAM_SOURCE_DIR) + "/sql/questions.sql");
            if (!in) throw std::runtime_error("cannot read sql/questions.sql");
            std::stringstream text;
            text << in.rdbuf();
            statements_ = split_statements(text.str());
            trips_ = generate_trips();
            database_ = std::make_unique<test::ScratchDatabase>("tripstream_q");
            insert_trips(database_->url(), trips_);
        } catch (const std::exception& e) {
            setup_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { database_.reset(); }

    void SetUp() override { ASSERT_EQ(setup_error_, "") << "suite setup failed"; }

    // Runs the statement named `name` in a read-only transaction, UTC and ISO dates.
    static pqxx::result run(const std::string& name) {
        const auto it = std::find_if(statements_.begin(), statements_.end(),
                                     [&](const NamedStatement& s) { return s.name == name; });
        if (it == statements_.end()) throw std::runtime_error("no statement named " + name);
        pqxx::connection conn(database_->url());
        pqxx::work tx(conn);
        tx.exec0("SET TRANSACTION READ ONLY");
        tx.exec0("SET LOCAL TimeZone = 'UTC'");
        tx.exec0("SET LOCAL DateStyle = 'ISO'");
        return tx.exec(it->sql);
    }

    static std::vector<TripRow> trips_;
    static std::vector<NamedStatement> statements_;
    static std::unique_ptr<test::ScratchDatabase> database_;
    static std::string setup_error_;
};

std::vector<TripRow> QuestionsSql::trips_;
std::vector<NamedStatement> QuestionsSql::statements_;
std::unique_ptr<test::ScratchDatabase> QuestionsSql::database_;
std::string QuestionsSql::setup_error_;

TEST_F(QuestionsSql, FileHoldsTheNamedStatementsAnswerFirst) {
    std::vector<std::string> names;
    for (const auto& s : statements_)
        names.push_back(s.name);
    // (a)'s answer is the file's first result set; psql users read it first.
    EXPECT_EQ(names, (std::vector<std::string>{"a_latest_datasource", "b_cheap_mobile_regions"}));
}

TEST_F(QuestionsSql, LatestDatasourceOfTheTwoMostCommonRegions) {
    const auto ranked = regions_by_count(trips_);
    ASSERT_GE(ranked.size(), 3u);
    const std::string first = ranked[0].first;
    const std::string second = ranked[1].first;
    const TripRow& expected = most_recent(
        trips_, [&](const TripRow& t) { return t.region == first || t.region == second; });
    // The data must tell the right reading from the likely wrong ones.
    ASSERT_NE(expected.datasource,
              most_recent(trips_, [](const TripRow&) { return true; }).datasource)
        << "the latest trip of all is in a top-two region: the data proves nothing";
    ASSERT_NE(expected.datasource,
              most_recent(trips_, [&](const TripRow& t) { return t.region == first; }).datasource)
        << "the most common region alone gives the same answer: the data proves nothing";

    const pqxx::result r = run("a_latest_datasource");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0]["latest_datasource"].as<std::string>(), expected.datasource);
    EXPECT_EQ(r[0]["region"].as<std::string>(), expected.region);
    EXPECT_EQ(r[0]["trip_time"].as<std::string>(), pg_utc(expected.time_s));
    EXPECT_EQ(r[0]["top_two_regions"].as<std::string>(),
              first + " (" + std::to_string(ranked[0].second) + " trips), " + second + " (" +
                  std::to_string(ranked[1].second) + " trips)");
}

TEST_F(QuestionsSql, RegionsWhereCheapMobileAppeared) {
    const auto expected = regions_using(trips_, "cheap_mobile");
    ASSERT_FALSE(expected.count("Milan")) << "Milan only has the look-alike cheap_mobile_v2";
    const pqxx::result r = run("b_cheap_mobile_regions");
    ASSERT_EQ(r.size(), expected.size());
    auto row = r.begin();
    for (const auto& [region, use] : expected) {
        EXPECT_EQ(row["region"].as<std::string>(), region);
        EXPECT_EQ(row["trips"].as<int64_t>(), use.trips) << region;
        EXPECT_EQ(row["first_trip_time"].as<std::string>(), pg_utc(use.first_s)) << region;
        EXPECT_EQ(row["last_trip_time"].as<std::string>(), pg_utc(use.last_s)) << region;
        ++row;
    }
}

}  // namespace
}  // namespace tripstream
