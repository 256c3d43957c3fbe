// tripstream-api as users meet it: the real executable on a free port, a scratch database,
// the stack's Kafka, trips ingested through its own upload route and the real consumer.
// Weekly averages are compared with the brute-force SQL definition; the status streams must
// push a `completed` event without the client asking again; every error is problem+json
// naming the parameter; the API key guards /v1/ only; SIGTERM ends streams and exits 0.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "support/api_process.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "support/weekly_average_oracle.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;
using test::http_get;
using test::http_request;
using test::HttpCall;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

HttpCall upload(const std::string& csv) {
    return HttpCall{"POST", "/v1/ingestions", {{"Content-Type", "text/csv"}}, csv};
}

// /readyz answers from checks repeated every 2 s in the background, so a change of the
// database's or Kafka's state shows within a few seconds, not at once: the last answer once
// it has `status` (or after 15 s).
test::HttpResult readyz_once_it_is(int port, int status) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    auto r = http_get(port, "/readyz");
    while (r.status != status && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
        r = http_get(port, "/readyz");
    }
    return r;
}

// One scratch database, topic and trained model for the suite; the API runs on them with
// the trips of one uploaded file already stored.
class Api : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        topic_ = test::unique_name("it-api");
        dir_ = std::filesystem::temp_directory_path() / topic_;
        std::filesystem::create_directories(dir_);
        database_ = std::make_unique<test::ScratchDatabase>("tripstream_api_it");
        env_ = test::program_env(topic_);
        env_["DATABASE_URL"] = database_->url();

        model_ = (dir_ / "model.json").string();
        test::ChildProcess train(std::string(TRIPSTREAM_BINARY_DIR) + "/train/tripstream-train",
                                 {"--generate", "20000", "-k", "4", "-o", model_}, {},
                                 (dir_ / "train.log").string());
        ASSERT_EQ(train.wait(), 0);
        env_["MODEL_PATH"] = model_;
        api_ = std::make_unique<test::ApiProcess>(env_, (dir_ / "api.log").string());

        const auto csv = dir_ / "first.csv";
        first_ = test::write_trips_csv(csv.string(), 20000, 5);
        const auto accepted = http_request(api_->port(), upload(read_file(csv)));
        ASSERT_EQ(accepted.status, 202) << accepted.body;
        run_consumer("consumer-first.log");
        conn_ = std::make_unique<db::PgConnection>(database_->url(), "api_test");
    }

    static void TearDownTestSuite() {
        conn_.reset();
        api_.reset();
        database_.reset();
        // Logs stay for a failed run.
        if (::testing::UnitTest::GetInstance()->failed_test_count() == 0)
            std::filesystem::remove_all(dir_);
    }

    static void run_consumer(const std::string& log) {
        test::ChildProcess consumer(
            std::string(TRIPSTREAM_BINARY_DIR) + "/consumer/tripstream-consumer",
            {"--exit-when-idle", "3"}, env_, (dir_ / log).string());
        ASSERT_EQ(consumer.wait(), 0) << read_file(dir_ / log);
    }

    static int port() { return api_->port(); }

    // Waits until the in-memory index of `api_port` holds every stored trip (it follows the
    // consumers' commits asynchronously, milliseconds behind).
    static void wait_for_index(int api_port) {
        const auto stored = conn_->exec("SELECT count(*) FROM tripstream.trips");
        const std::string want =
            "\ntripstream_index_trips " + std::string(PQgetvalue(stored.get(), 0, 0)) + "\n";
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (http_get(api_port, "/metrics").body.find(want) == std::string::npos) {
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "index never reached" << want;
            std::this_thread::sleep_for(100ms);
        }
    }

    static inline std::string topic_;
    static inline std::filesystem::path dir_;
    static inline std::unique_ptr<test::ScratchDatabase> database_;
    static inline std::map<std::string, std::string> env_;
    static inline std::string model_;
    static inline std::unique_ptr<test::ApiProcess> api_;
    static inline test::TripsFile first_;
    static inline std::unique_ptr<db::PgConnection> conn_;
};

// --- weekly averages ---------------------------------------------------------------------

struct RegionCentre {
    std::string name;
    double lon = 0;
    double lat = 0;
};

std::vector<RegionCentre> region_centres(db::PgConnection& conn) {
    const auto rows = conn.exec(
        "SELECT name, avg(ST_X(origin)), avg(ST_Y(origin)) FROM tripstream.trips"
        " JOIN tripstream.regions USING (region_id) GROUP BY name ORDER BY name");
    std::vector<RegionCentre> out;
    for (int i = 0; i < PQntuples(rows.get()); ++i) {
        out.push_back({PQgetvalue(rows.get(), i, 0), std::stod(PQgetvalue(rows.get(), i, 1)),
                       std::stod(PQgetvalue(rows.get(), i, 2))});
    }
    return out;
}

// The request as the API's query string; the box half of the time as two corners given in
// a random order (the original system's p1/p2 form).
std::string query_string(const query::WeeklyAverageRequest& r, std::mt19937_64& rng) {
    std::string q = "match=" + test::match_text(r.match);
    if (r.region) q += "&region=" + *r.region;
    if (r.bbox) {
        const auto& b = *r.bbox;
        const auto s = test::shortest_double;
        if (rng() % 2 == 0) {
            q += "&bbox=" + s(b.min_lon) + "," + s(b.min_lat) + "," + s(b.max_lon) + "," +
                 s(b.max_lat);
        } else if (rng() % 2 == 0) {
            q += "&p1=" + s(b.max_lon) + "," + s(b.min_lat) + "&p2=" + s(b.min_lon) + "," +
                 s(b.max_lat);
        } else {
            q += "&p2=" + s(b.min_lon) + "," + s(b.min_lat) + "&p1=" + s(b.max_lon) + "," +
                 s(b.max_lat);
        }
    }
    if (r.from_days) q += "&from=" + test::date_text(*r.from_days);
    if (r.to_days) q += "&to=" + test::date_text(*r.to_days);
    return q;
}

void expect_answer_equals_definition(int port, db::PgConnection& conn,
                                     const query::WeeklyAverageRequest& r, std::mt19937_64& rng,
                                     const std::string& engine = "index") {
    const std::string target = "/v1/trips/weekly-average?" + query_string(r, rng);
    const auto response = http_get(port, target);
    ASSERT_EQ(response.status, 200) << target << ": " << response.body;
    const auto got = response.json();
    const auto expected = test::brute_force_weekly_average(conn, r);
    const std::string what = test::describe(r) + " (" + target + ")";
    ASSERT_EQ(got["series"].size(), expected.series.size()) << what;
    for (size_t i = 0; i < expected.series.size(); ++i) {
        EXPECT_EQ(got["series"][i]["week_start"],
                  test::date_text(expected.series[i].week_start_days))
            << what;
        EXPECT_EQ(got["series"][i]["trips"], expected.series[i].trips) << what << " week " << i;
    }
    EXPECT_EQ(got["total_trips"], expected.total_trips) << what;
    EXPECT_EQ(got["weeks"], expected.series.size()) << what;
    EXPECT_EQ(got["match"], test::match_text(r.match)) << what;
    if (!expected.series.empty()) {
        EXPECT_EQ(got["from"], test::date_text(expected.series.front().week_start_days)) << what;
        EXPECT_EQ(got["to"], test::date_text(expected.series.back().week_start_days + 6)) << what;
        EXPECT_DOUBLE_EQ(got["weekly_average"].get<double>(),
                         static_cast<double>(expected.total_trips) / expected.series.size())
            << what;
    }
    EXPECT_EQ(response.header("x-tripstream-engine"), engine) << what;
}

TEST_F(Api, WeeklyAverageEqualsTheBruteForceCountForRandomRequests) {
    wait_for_index(port());
    const auto regions = region_centres(*conn_);
    ASSERT_GE(regions.size(), 3u);
    const auto span = conn_->exec(
        "SELECT (min(trip_time)::date - DATE '1970-01-01'), (max(trip_time)::date - DATE "
        "'1970-01-01') FROM tripstream.trips");
    const int64_t first = std::stoll(PQgetvalue(span.get(), 0, 0));
    const int64_t last = std::stoll(PQgetvalue(span.get(), 0, 1));
    std::mt19937_64 rng(2026);
    auto uniform = [&](double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    };
    const double sizes[] = {0.002, 0.02, 0.1, 0.3, 3.0};  // a street to beyond a city
    for (int i = 0; i < 120; ++i) {
        const auto& region = regions[i % regions.size()];
        query::WeeklyAverageRequest r;
        if (i % 6 != 0) r.region = region.name;
        if (i % 5 != 1 || !r.region) {
            const double w = sizes[i % 5] * uniform(0.2, 1.0);
            const double h = sizes[(i / 5) % 5] * uniform(0.2, 1.0);
            const double lon = region.lon + uniform(-0.05, 0.05);
            const double lat = region.lat + uniform(-0.05, 0.05);
            r.bbox = GeoBox{lon - w / 2, lat - h / 2, lon + w / 2, lat + h / 2};
        }
        if (i % 3 == 0) r.from_days = first + static_cast<int64_t>(uniform(-20, 60));
        if (i % 4 == 0) r.to_days = last - static_cast<int64_t>(uniform(-20, 60));
        if (r.from_days && r.to_days && *r.from_days > *r.to_days)
            std::swap(r.from_days, r.to_days);
        r.match = static_cast<query::Match>(i / 2 % 4);
        expect_answer_equals_definition(port(), *conn_, r, rng);
        if (HasFatalFailure()) return;
    }
}

TEST_F(Api, BoxEdgesThroughStoredTripPointsAreCountedExactly) {
    wait_for_index(port());
    const auto rows = conn_->exec(
        "SELECT ST_X(origin), ST_Y(origin), ST_X(destination), ST_Y(destination)"
        " FROM tripstream.trips ORDER BY trip_time LIMIT 30");
    std::mt19937_64 rng(7);
    for (int i = 0; i + 1 < PQntuples(rows.get()); ++i) {
        const auto v = [&](int r, int c) { return std::stod(PQgetvalue(rows.get(), r, c)); };
        query::WeeklyAverageRequest r;
        r.bbox = GeoBox{std::min(v(i, 0), v(i + 1, 2)), std::min(v(i, 1), v(i + 1, 3)),
                        std::max(v(i, 0), v(i + 1, 2)), std::max(v(i, 1), v(i + 1, 3))};
        r.match = static_cast<query::Match>(i % 4);
        expect_answer_equals_definition(port(), *conn_, r, rng);
    }
}

// --- errors ------------------------------------------------------------------------------

struct BadRequest {
    const char* target;
    int status;
    const char* parameter;  // nullptr: the problem names none
};

TEST_F(Api, EveryBadRequestIsAProblemNamingTheParameter) {
    const BadRequest cases[] = {
        {"/v1/trips/weekly-average", 400, "region"},
        {"/v1/trips/weekly-average?bbox=14.5,50.0,14.4,50.1", 400, "bbox"},
        {"/v1/trips/weekly-average?bbox=14.4,50.0,14.5", 400, "bbox"},
        {"/v1/trips/weekly-average?bbox=14.4,95,14.5,96", 400, "bbox"},
        {"/v1/trips/weekly-average?p1=14.4,50.0", 400, "p2"},
        {"/v1/trips/weekly-average?p1=14.4,x&p2=14.5,50.1", 400, "p1"},
        {"/v1/trips/weekly-average?region=Prague&match=middle", 400, "match"},
        {"/v1/trips/weekly-average?region=Prague&from=2018-02-30", 400, "from"},
        {"/v1/trips/weekly-average?region=Prague&from=2018-03-01&to=2018-02-01", 400, "from"},
        {"/v1/trips/weekly-average?region=Atlantis", 400, "region"},
        {"/v1/trips/weekly-average?region=Prague&limit=5", 400, "limit"},
        {"/v1/trips/weekly-average?region=%zz", 400, nullptr},
        {"/v1/clusters?region=Atlantis", 400, "region"},
        {"/v1/ingestions/00000000-0000-0000-0000-000000000000", 404, "id"},
        {"/v1/ingestions/not-a-uuid", 404, "id"},
        {"/v1/ingestions/00000000-0000-0000-0000-000000000000/events", 404, "id"},
        {"/v2/nothing", 404, nullptr},
    };
    for (const auto& c : cases) {
        const auto r = http_get(port(), c.target);
        EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json") << c.target;
        const auto problem = r.json();
        EXPECT_EQ(problem["status"], c.status) << c.target;
        EXPECT_FALSE(problem["title"].get<std::string>().empty()) << c.target;
        EXPECT_FALSE(problem["detail"].get<std::string>().empty()) << c.target;
        if (c.parameter != nullptr) {
            EXPECT_EQ(problem.value("parameter", ""), c.parameter) << c.target << ": " << r.body;
        }
    }
    const auto wrong_method = http_request(port(), HttpCall{"DELETE", "/v1/ingestion/status"});
    EXPECT_EQ(wrong_method.status, 405);
    EXPECT_EQ(wrong_method.header("allow"), "GET, HEAD");
    const auto json_upload = http_request(
        port(), HttpCall{"POST", "/v1/ingestions", {{"Content-Type", "application/json"}}, "{}"});
    EXPECT_EQ(json_upload.status, 415);
    const auto no_header =
        http_request(port(), upload("region,origin_coord\nPrague,POINT (14.4 50.1)\n"));
    EXPECT_EQ(no_header.status, 400) << no_header.body;
    EXPECT_NE(no_header.json()["detail"].get<std::string>().find("datetime"), std::string::npos);
}

TEST_F(Api, AnswersServiceUnavailableWhileTheDatabaseIsUnreachable) {
    db::PgConnection admin(test::with_database(database_->url(), "postgres"), "api_test_admin");
    const std::string name = database_->name();
    admin.exec("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS false");
    admin.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = $1 AND application_name LIKE 'tripstream-api%'",
        {name});
    const auto query =
        http_get(port(), "/v1/trips/weekly-average?region=Prague&bbox=14.3,50,14.5,50.2");
    const auto status = http_get(port(), "/v1/ingestion/status");
    const auto ready = readyz_once_it_is(port(), 503);
    admin.exec("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS true");
    // The index, when loaded, answers without the database; the database engine cannot.
    if (query.header("x-tripstream-engine") != "index") {
        EXPECT_EQ(query.status, 503) << query.body;
        EXPECT_EQ(query.header("content-type"), "application/problem+json");
    }
    EXPECT_EQ(status.status, 503) << status.body;
    EXPECT_EQ(ready.status, 503) << ready.body;
    // A fixed word naming the dependency, never the error's text (host, user, database).
    EXPECT_EQ(ready.json()["database"], "unavailable") << ready.body;
    EXPECT_EQ(ready.json()["kafka"], "ok") << ready.body;
    for (const std::string& secret : {name, std::string("tripstream@"), std::string("127.0.0.1")})
        EXPECT_EQ(ready.body.find(secret), std::string::npos) << secret << " in " << ready.body;
    EXPECT_EQ(http_get(port(), "/healthz").status, 200);
    // Back: the pool reconnects on the next request, the probe at its next check.
    EXPECT_EQ(http_get(port(), "/v1/ingestion/status").status, 200);
    EXPECT_EQ(readyz_once_it_is(port(), 200).status, 200);
}

// --- status, uploads and event streams ---------------------------------------------------

TEST_F(Api, UploadedJobIsStreamedToCompletionWithoutPolling) {
    test::EventStreamReader all(port(), "/v1/ingestion/events");
    ASSERT_EQ(all.status(), 200);
    EXPECT_EQ(all.content_type(), "text/event-stream");
    const auto first = all.next(15s);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->event, "status");

    const auto csv = dir_ / "second.csv";
    const auto file = test::write_trips_csv(csv.string(), 3000, 9);
    const auto accepted = http_request(port(), upload(read_file(csv)));
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    const auto body = accepted.json();
    const std::string job = body["job_id"];
    EXPECT_EQ(body["status_url"], "/v1/ingestions/" + job);
    EXPECT_EQ(body["events_url"], "/v1/ingestions/" + job + "/events");
    EXPECT_EQ(accepted.header("location"), "/v1/ingestions/" + job);
    EXPECT_EQ(body["rows_sent"], file.good_rows);
    EXPECT_EQ(body["rows_rejected"], file.broken_rows);

    // Before any consumer ran, the job is known.
    test::EventStreamReader one(port(), body["events_url"].get<std::string>());
    ASSERT_EQ(one.status(), 200);
    const auto queued = one.next(15s);
    ASSERT_TRUE(queued.has_value());
    EXPECT_EQ(queued->event, "status");
    // No consumer is live yet when the upload lands, so the job may show as stalled until one
    // heartbeats (docs/status.md).
    const std::string first_state = nlohmann::json::parse(queued->data)["state"];
    EXPECT_TRUE(first_state == "queued" || first_state == "stalled") << first_state;

    run_consumer("consumer-second.log");

    // The job's stream ends with `completed`, and then ends.
    std::optional<test::ServerSentEvent> last;
    while (auto e = one.next(60s)) {
        last = e;
        if (e->event == "completed") break;
    }
    ASSERT_TRUE(last.has_value());
    ASSERT_EQ(last->event, "completed");
    const auto done = nlohmann::json::parse(last->data);
    EXPECT_EQ(done["id"], job);
    EXPECT_EQ(done["state"], "completed");
    EXPECT_EQ(done["rows_inserted"], file.good_rows);
    EXPECT_EQ(done["rows_rejected"], file.broken_rows);
    EXPECT_FALSE(one.next(5s).has_value());
    EXPECT_TRUE(one.ended());

    // The overall stream pushed status events and one `completed` for this job.
    int status_events = 0;
    bool completed = false;
    while (auto e = all.next(30s)) {
        if (e->event == "status") ++status_events;
        if (e->event == "completed" && nlohmann::json::parse(e->data)["id"] == job) {
            completed = true;
            break;
        }
    }
    EXPECT_TRUE(completed);
    EXPECT_GE(status_events, 1);

    const auto snapshot = http_get(port(), "/v1/ingestions/" + job);
    ASSERT_EQ(snapshot.status, 200);
    EXPECT_EQ(snapshot.json()["state"], "completed");
    EXPECT_EQ(snapshot.json()["rows_inserted"], file.good_rows);
    const auto overall = http_get(port(), "/v1/ingestion/status").json();
    bool listed = false;
    for (const auto& j : overall["jobs"])
        listed = listed || j["id"] == job;
    EXPECT_TRUE(listed);
    EXPECT_FALSE(overall["consumers"].empty());
    int64_t trips_lag = 0;
    for (const auto& p : overall["partitions"])
        if (p["topic"] == topic_) trips_lag += p["lag"].get<int64_t>();
    EXPECT_EQ(trips_lag, 0);
}

// --- clusters, health, metrics -----------------------------------------------------------

TEST_F(Api, ClustersCountStoredTripsAndPredictAssignsThem) {
    const auto r = http_get(port(), "/v1/clusters?region=Prague");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto regions = r.json()["regions"];
    ASSERT_EQ(regions.size(), 1u);
    EXPECT_EQ(regions[0]["k"], 4);
    int64_t listed = 0;
    std::set<int> prague_ids;
    for (const auto& c : regions[0]["clusters"]) {
        prague_ids.insert(c["id"].get<int>());
        listed += c["trips"].get<int64_t>();
        EXPECT_TRUE(c["origin"].contains("lon"));
        EXPECT_EQ(c["typical_time"].get<std::string>().size(), 5u);
    }
    const auto stored = conn_->exec(
        "SELECT count(*) FROM tripstream.trips JOIN tripstream.regions USING (region_id)"
        " WHERE name = 'Prague'");
    EXPECT_EQ(listed, std::stoll(PQgetvalue(stored.get(), 0, 0)));

    const std::string trips = R"json({"trips": [
        {"region": "Prague", "origin": [14.42, 50.08], "destination": "POINT (14.5 50.1)",
         "datetime": "2018-05-28 08:00:00"},
        {"region": "Atlantis", "origin": [1, 2], "destination": [1, 2],
         "datetime": "2018-05-28 08:00:00"}]})json";
    const auto predicted = http_request(
        port(),
        HttpCall{"POST", "/v1/clusters/predict", {{"Content-Type", "application/json"}}, trips});
    ASSERT_EQ(predicted.status, 200) << predicted.body;
    const auto ids = predicted.json()["clusters"];
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(prague_ids.count(ids[0].get<int>()), 1u) << ids[0];
    EXPECT_TRUE(ids[1].is_null());  // a region the model lacks

    const auto bad = http_request(
        port(), HttpCall{"POST",
                         "/v1/clusters/predict",
                         {{"Content-Type", "application/json"}},
                         R"([{"region": "Prague", "origin": [14.4, 95], "destination": [1, 2],
                              "datetime": "2018-05-28 08:00:00"}])"});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.json()["parameter"], "trips[0].origin") << bad.body;
}

TEST_F(Api, HealthReadinessAndMetrics) {
    EXPECT_EQ(http_get(port(), "/healthz").status, 200);
    const auto ready = readyz_once_it_is(port(), 200);
    EXPECT_EQ(ready.status, 200) << ready.body;
    const auto body = ready.json();
    EXPECT_EQ(body["status"], "ready");
    EXPECT_EQ(body["database"], "ok");
    EXPECT_EQ(body["kafka"], "ok");
    // The age of the cached result: refreshed every 2 s, so never near the 10 s limit.
    EXPECT_GE(body["checked_ms_ago"].get<int64_t>(), 0);
    EXPECT_LT(body["checked_ms_ago"].get<int64_t>(), 5000);
    EXPECT_EQ(body.size(), 4u) << ready.body;
    http_get(port(), "/v1/trips/weekly-average?region=Prague");
    const auto metrics = http_get(port(), "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.header("content-type").rfind("text/plain", 0), 0u);
    for (const char* series :
         {"tripstream_http_requests_total{route=\"/v1/trips/weekly-average\",method=\"GET\","
          "status=\"200\"}",
          "tripstream_http_request_duration_seconds_bucket{route=\"/v1/trips/weekly-average\"",
          "tripstream_ingestion_jobs{state=\"completed\"}", "tripstream_live_consumers"}) {
        EXPECT_NE(metrics.body.find(series), std::string::npos) << series;
    }
}

// --- a second instance: API key, upload limit, shutdown -----------------------------------

class ApiGuarded : public Api {
  protected:
    static void SetUpTestSuite() {
        Api::SetUpTestSuite();
        auto env = env_;
        env["API_KEY"] = "s3cret-key";
        env["UPLOAD_MAX_BYTES"] = "2000";
        env["QUERY_ENGINE"] = "database";
        guarded_ = std::make_unique<test::ApiProcess>(env, (dir_ / "api-guarded.log").string());
    }
    static void TearDownTestSuite() {
        guarded_.reset();
        Api::TearDownTestSuite();
    }
    static inline std::unique_ptr<test::ApiProcess> guarded_;
};

TEST_F(ApiGuarded, KeyIsRequiredOnV1RoutesOnly) {
    const int p = guarded_->port();
    const auto missing = http_get(p, "/v1/ingestion/status");
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.header("content-type"), "application/problem+json");
    EXPECT_FALSE(missing.header("www-authenticate").empty());
    EXPECT_EQ(http_get(p, "/v1/ingestion/status", {{"Authorization", "Bearer s3cret-kez"}}).status,
              401);
    EXPECT_EQ(http_get(p, "/v1/ingestion/status", {{"Authorization", "Bearer s3cret"}}).status,
              401);
    EXPECT_EQ(http_get(p, "/v1/ingestion/status", {{"X-API-Key", "s3cret-key-and-more"}}).status,
              401);
    EXPECT_EQ(http_get(p, "/v1/ingestion/status", {{"Authorization", "Bearer s3cret-key"}}).status,
              200);
    EXPECT_EQ(http_get(p, "/v1/ingestion/status", {{"X-API-Key", "s3cret-key"}}).status, 200);
    EXPECT_EQ(http_get(p, "/v1/trips/weekly-average?region=Prague").status, 401);
    EXPECT_EQ(test::EventStreamReader(p, "/v1/ingestion/events").status(), 401);
    EXPECT_EQ(readyz_once_it_is(p, 200).status, 200);  // open, once its first checks ran
    for (const char* open : {"/healthz", "/readyz", "/metrics", "/openapi.json"})
        EXPECT_EQ(http_get(p, open).status, 200) << open;
    // Without a key configured (the suite's first instance) the same route is open.
    EXPECT_EQ(http_get(port(), "/v1/ingestion/status").status, 200);
}

TEST_F(ApiGuarded, DatabaseEngineGivesTheSameExactAnswers) {
    const auto regions = region_centres(*conn_);
    std::mt19937_64 rng(11);
    for (int i = 0; i < 24; ++i) {
        query::WeeklyAverageRequest r;
        const auto& region = regions[i % regions.size()];
        if (i % 3 != 0) r.region = region.name;
        const double size = i % 2 == 0 ? 0.02 : 0.2;
        r.bbox = GeoBox{region.lon - size, region.lat - size / 2, region.lon + size,
                        region.lat + size / 2};
        r.match = static_cast<query::Match>(i % 4);
        std::map<std::string, std::string> key{{"X-API-Key", "s3cret-key"}};
        const std::string target = "/v1/trips/weekly-average?" + query_string(r, rng);
        const auto response = http_get(guarded_->port(), target, key);
        ASSERT_EQ(response.status, 200) << response.body;
        EXPECT_EQ(response.header("x-tripstream-engine"), "database");
        const auto expected = test::brute_force_weekly_average(*conn_, r);
        EXPECT_EQ(response.json()["total_trips"], expected.total_trips) << target;
        EXPECT_EQ(response.json()["weeks"], expected.series.size()) << target;
    }
}

TEST_F(ApiGuarded, OversizedUploadIsRefusedWith413) {
    std::string csv = "region,origin_coord,destination_coord,datetime,datasource\n";
    while (csv.size() < 5000)
        csv += "Prague,POINT (14.4 50.1),POINT (14.5 50.0),2018-05-28 09:00:00,cheap_mobile\n";
    auto call = upload(csv);
    call.headers["X-API-Key"] = "s3cret-key";
    const auto r = http_request(guarded_->port(), call);
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(r.json()["parameter"], "body");
}

TEST_F(ApiGuarded, SigtermEndsEventStreamsAndExitsCleanly) {
    test::EventStreamReader stream(guarded_->port(), "/v1/ingestion/events",
                                   {{"X-API-Key", "s3cret-key"}});
    ASSERT_EQ(stream.status(), 200);
    ASSERT_TRUE(stream.next(15s).has_value());
    guarded_->process().signal(SIGTERM);
    while (stream.next(15s)) {
    }
    EXPECT_TRUE(stream.ended());
    EXPECT_EQ(guarded_->process().wait(), 0);
}

}  // namespace
}  // namespace tripstream
