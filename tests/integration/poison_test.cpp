// Poison isolation end to end (real Kafka, real PostGIS, three real consumers running): bad
// rows go in through the producer CLI and through the API's upload, and bad messages are
// written straight into the trips, dead-letter and jobs topics, bypassing the producer. At
// the end every good row is stored exactly once, every bad row or message has a reason in
// rejected_rows, no consumer has exited, and every job has completed.
//
// Rows the database itself refuses (after the consumer's own validation passed them) are
// made with test-only CHECK constraints on this test's scratch database: a real refusal by
// PostgreSQL (SQLSTATE 23514) of chosen rows, which the consumer must isolate.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "support/api_process.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/jobs/job_record.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/kafka/kafka_producer.hpp"
#include "tripstream/message/trip_message.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

const std::string kBin = TRIPSTREAM_BINARY_DIR;

// The byte sequences that are not UTF-8 (RFC 3629), or not text, by class.
const std::vector<std::pair<std::string, std::string>> kBadBytes = {
    {"invalid byte FF", "\xFF"},
    {"invalid byte FE", "\xFE"},
    {"overlong NUL", "\xC0\x80"},
    {"overlong C1", "\xC1\xBF"},
    {"overlong 3-byte", "\xE0\x80\xAF"},
    {"overlong 4-byte", "\xF0\x80\x80\xAF"},
    {"surrogate", "\xED\xA0\x80"},
    {"above U+10FFFF", "\xF4\x90\x80\x80"},
    {"5-byte form", "\xF8\x88\x80\x80\x80"},
    {"truncated 2-byte", "\xC3"},
    {"truncated 3-byte", "\xE2\x82"},
    {"stray continuation", "\x80"},
    {"NUL", std::string(1, '\0')},
    {"SOH", "\x01"},
    {"ESC", "\x1B"},
    {"DEL", "\x7F"},
    {"C1 NEL", "\xC2\x85"},
};

// A good trip as CSV fields; `i` makes every row different.
struct Row {
    std::string region = "Prague";
    std::string origin;
    std::string destination;
    std::string datetime;
    std::string datasource = "funny_car";
    std::string extra;  // appended verbatim after the five fields (for field-count cases)

    std::string line() const {
        return region + "," + origin + "," + destination + "," + datetime + "," + datasource +
               extra + "\n";
    }
};

Row good_row(int i) {
    Row r;
    char buf[96];
    std::snprintf(buf, sizeof buf, "POINT (%.6f %.6f)", 14.30 + (i % 997) * 0.0002,
                  50.00 + (i % 991) * 0.0001);
    r.origin = buf;
    std::snprintf(buf, sizeof buf, "POINT (%.6f %.6f)", 14.40 + (i % 983) * 0.0002,
                  50.05 + (i % 977) * 0.0001);
    r.destination = buf;
    const int day = 1 + i % 28;
    const int second = i % 86400;
    std::snprintf(buf, sizeof buf, "2018-05-%02d %02d:%02d:%02d", day, second / 3600,
                  second / 60 % 60, second % 60);
    r.datetime = buf;
    return r;
}

// Every hostile variant of a CSV row: each bad byte sequence in each field, oversized and
// out-of-range values, numbers that are not numbers, dates outside the supported range,
// wrong field counts.
std::vector<Row> hostile_rows(int base) {
    std::vector<Row> rows;
    for (const auto& [what, bytes] : kBadBytes) {
        for (int field = 0; field < 5; ++field) {
            Row r = good_row(base + static_cast<int>(rows.size()));
            switch (field) {
                case 0:
                    r.region = "Pra" + bytes + "gue";
                    break;
                case 1:
                    r.origin.insert(9, bytes);  // inside the longitude's digits
                    break;
                case 2:
                    r.destination.insert(7, bytes);  // between "POINT (" and the number
                    break;
                case 3:
                    r.datetime.insert(15, bytes);
                    break;
                default:
                    r.datasource = "funny" + bytes + "_car";
            }
            rows.push_back(r);
        }
    }
    const auto with = [&](auto change) {
        Row r = good_row(base + static_cast<int>(rows.size()));
        change(r);
        rows.push_back(r);
    };
    with([](Row& r) { r.region = std::string(65, 'R'); });
    with([](Row& r) { r.datasource = std::string(65, 'd'); });
    with([](Row& r) { r.region = std::string(200000, 'R'); });  // over the line limit
    with([](Row& r) { r.region = ""; });
    with([](Row& r) { r.datasource = "   "; });
    with([](Row& r) { r.origin = "POINT (180.000001 50)"; });
    with([](Row& r) { r.origin = "POINT (14.4 -90.5)"; });
    with([](Row& r) { r.destination = "POINT (1e400 50)"; });
    with([](Row& r) { r.destination = "POINT (nan 50)"; });
    with([](Row& r) { r.destination = "POINT (inf 50)"; });
    with([](Row& r) { r.destination = "POINT (-infinity 50)"; });
    with([](Row& r) { r.origin = "POINT (14.4)"; });
    with([](Row& r) { r.origin = "POINT (14.4 50.1 3.0)"; });
    with([](Row& r) { r.origin = "LINESTRING (14.4 50.1, 14.5 50.2)"; });
    with([](Row& r) { r.origin = std::string(5000, '9'); });
    with([](Row& r) { r.datetime = "0001-01-01 00:00:00"; });
    with([](Row& r) { r.datetime = "9999-12-31 23:59:59"; });
    with([](Row& r) { r.datetime = "2018-02-30 10:00:00"; });
    with([](Row& r) { r.datetime = "2018-13-01 10:00:00"; });
    with([](Row& r) { r.datetime = "2018-05-28 25:00:00"; });
    with([](Row& r) { r.datetime = "99999999999999999999"; });
    with([](Row& r) { r.extra = ",extra"; });
    with([](Row& r) { r.extra = ",,"; });
    with([](Row& r) {
        r.datasource.clear();
        r.datetime += ",";  // four separators, then nothing: the datasource is empty
    });
    with([](Row& r) { r.region = "\"Pra\ngue\""; });  // a quoted line break: one row
    return rows;
}

// Good rows whose numbers are unusual but valid: subnormal and negative-zero coordinates.
std::vector<Row> unusual_good_rows(int base) {
    std::vector<Row> rows;
    Row a = good_row(base);
    a.origin = "POINT (4.9e-324 -0.0)";
    rows.push_back(a);
    Row b = good_row(base + 1);
    b.destination = "POINT (-0.0 2.2250738585072014e-308)";
    rows.push_back(b);
    return rows;
}

struct CsvInput {
    std::string text;
    int good = 0;
    int bad = 0;
};

// `good` plain good rows with the hostile rows spread among them, plus the unusual good rows.
CsvInput hostile_csv(int good, int base) {
    CsvInput in;
    in.text = "region,origin_coord,destination_coord,datetime,datasource\n";
    std::vector<Row> bad = hostile_rows(base + 1000000);
    std::vector<Row> unusual = unusual_good_rows(base + 2000000);
    const size_t every = std::max<size_t>(1, static_cast<size_t>(good) / (bad.size() + 1));
    size_t next_bad = 0;
    for (int i = 0; i < good; ++i) {
        in.text += good_row(base + i).line();
        if (static_cast<size_t>(i + 1) % every == 0 && next_bad < bad.size())
            in.text += bad[next_bad++].line();
    }
    while (next_bad < bad.size())
        in.text += bad[next_bad++].line();
    for (const Row& r : unusual)
        in.text += r.line();
    in.good = good + static_cast<int>(unusual.size());
    in.bad = static_cast<int>(bad.size());
    // A truncated last line (no newline, too few fields).
    in.text += "Prague,POINT (14.4 50.1),POINT (14.";
    ++in.bad;
    return in;
}

// Messages written straight into the topics, as another tool or an older producer might.
struct DirectMessages {
    JobId job = new_job_id();
    int good = 0;             // valid trips of `job`
    int bad_with_job = 0;     // decodable trips of `job` the consumer must reject
    int bad_without_job = 0;  // messages on any topic that name no job
    int refused_by_db = 0;    // valid trips of `job` the test's CHECK constraints refuse
};

std::string encoded(const JobId& job, uint64_t line, const Trip& trip) {
    std::string out;
    encode_trip_message(out, job, line, trip);
    return out;
}

Trip trip_of(int i) {
    Trip t;
    t.region = "Prague";
    t.datasource = "direct_tool";
    t.origin = {14.3 + (i % 500) * 0.0003, 50.0 + (i % 400) * 0.0002};
    t.destination = {14.4 + (i % 450) * 0.0003, 50.05 + (i % 350) * 0.0002};
    t.time_us = (1527465600LL + i * 37LL) * 1000000;  // May/June 2018
    return t;
}

// The region byte that encode_trip_message wrote, so it can be corrupted after encoding.
constexpr size_t kRegionOffset = 66;

DirectMessages produce_direct(const std::string& trips, const std::string& dead,
                              const std::string& jobs) {
    DirectMessages d;
    kafka::KafkaProducer kafka(test::stack_config().kafka,
                               {{"message.max.bytes", "16000000"}, {"compression.type", "none"}});
    auto trips_topic = kafka.topic(trips);
    auto dead_topic = kafka.topic(dead);
    auto jobs_topic = kafka.topic(jobs);
    uint64_t line = 1;
    // Keyed by a counter: the jobs topic is compacted, and a compacted topic refuses records
    // without a key.
    const auto send = [&](rd_kafka_topic_t* topic, const std::string& value) {
        kafka.produce(topic, -1, "key-" + std::to_string(line), value, 0);
    };
    for (int i = 0; i < 3000; ++i) {  // good trips around the bad ones
        send(trips_topic.get(), encoded(d.job, line++, trip_of(i)));
        ++d.good;
    }
    // Decodable trips with bad content: every bad byte sequence in region and datasource.
    for (const auto& [what, bytes] : kBadBytes) {
        Trip t = trip_of(100000 + d.bad_with_job);
        t.region = "Pra" + bytes + "gue";
        send(trips_topic.get(), encoded(d.job, line++, t));
        ++d.bad_with_job;
        t = trip_of(100000 + d.bad_with_job);
        t.datasource = bytes + "car";
        send(trips_topic.get(), encoded(d.job, line++, t));
        ++d.bad_with_job;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const GeoPoint p :
         {GeoPoint{nan, 50}, GeoPoint{14, nan}, GeoPoint{inf, 50}, GeoPoint{-inf, 50},
          GeoPoint{180.5, 50}, GeoPoint{14, 90.01}, GeoPoint{-1e308, 50}}) {
        Trip t = trip_of(200000 + d.bad_with_job);
        t.origin = p;
        send(trips_topic.get(), encoded(d.job, line++, t));
        ++d.bad_with_job;
        t.origin = trip_of(1).origin;
        t.destination = p;
        send(trips_topic.get(), encoded(d.job, line++, t));
        ++d.bad_with_job;
    }
    for (const int64_t time_us :
         {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
          int64_t{-62135596800000000}, int64_t{253402300800000000}, int64_t{9000000000000000000}}) {
        Trip t = trip_of(300000 + d.bad_with_job);
        t.time_us = time_us;
        send(trips_topic.get(), encoded(d.job, line++, t));
        ++d.bad_with_job;
    }
    {  // empty region and datasource (length byte 0)
        Trip t = trip_of(400000);
        std::string m = encoded(d.job, line++, t);
        m[kRegionOffset - 1] = 0;
        m.erase(kRegionOffset, t.region.size());
        send(trips_topic.get(), m);
        ++d.bad_with_job;
    }
    // Valid trips the database refuses (see the CHECK constraints in the test).
    for (int i = 0; i < 5; ++i) {
        Trip t = trip_of(500000 + i);
        t.origin = {13.0, 13.0 + i * 0.001};  // refused by poison_probe_origin
        send(trips_topic.get(), encoded(d.job, line++, t));
        ++d.refused_by_db;
    }
    {
        Trip t = trip_of(500100);
        t.datasource = "refused_by_database";  // refused by poison_probe_datasource
        send(trips_topic.get(), encoded(d.job, line++, t));
        ++d.refused_by_db;
    }
    // Messages that name no job: empty, unknown versions, truncated, garbled, huge.
    const std::string whole = encoded(d.job, 999999, trip_of(7));
    std::vector<std::string> nameless = {"",
                                         std::string(1, '\x02') + whole.substr(1),
                                         std::string(1, '\xFF') + whole.substr(1),
                                         std::string(1, '\x00') + whole.substr(1),
                                         whole.substr(0, 1),
                                         whole.substr(0, 17),
                                         whole.substr(0, 66),
                                         whole.substr(0, whole.size() - 1),
                                         whole + "x",
                                         std::string(10 * 1024 * 1024, '\x01')};
    std::mt19937 random(7);
    for (int i = 0; i < 5; ++i) {
        std::string garbage(static_cast<size_t>(1 + random() % 200), '\0');
        for (char& c : garbage)
            c = static_cast<char>(random());
        garbage[0] = static_cast<char>(3 + random() % 250);  // not version 1
        nameless.push_back(garbage);
    }
    for (const auto& m : nameless) {
        send(trips_topic.get(), m);
        ++d.bad_without_job;
    }
    // Malformed dead-letter records.
    for (const std::string& m :
         {std::string("not json"), std::string("{\"version\":1,\"job_id\":7}"),
          std::string("[1,2,3]"), std::string("{\"raw\":\"a\\u0000b\",\"reason\":\"x\\u0000\"}"),
          std::string("{\"raw\":\"\xFF\xFE\",\"reason\":\"\xC0\x80\"}"), std::string("null"),
          std::string(""), std::string("{\"reason\":\"") + std::string(3'000'000, 'r') + "\"}"}) {
        send(dead_topic.get(), m);
        ++d.bad_without_job;
    }
    // Malformed job records.
    for (const std::string& m :
         {std::string("{"), std::string("{\"job_id\":\"not-a-uuid\",\"state\":\"produced\"}"),
          std::string("{\"job_id\":\"" + job_id_to_string(new_job_id()) +
                      "\",\"state\":\"exploded\"}"),
          std::string("{\"job_id\":\"" + job_id_to_string(new_job_id()) +
                      "\",\"rows_sent\":\"many\"}"),
          std::string("\xFF\xFF")}) {
        send(jobs_topic.get(), m);
        ++d.bad_without_job;
    }
    // The job's own record, twice (a duplicate job id: the second record repeats the first).
    JobRecord record;
    record.job_id = job_id_to_string(d.job);
    record.source = "direct \xFF tool";  // stored sanitized
    record.state = ProducerState::produced;
    record.started_at_us = now_micros();
    record.finished_at_us = now_micros();
    record.rows_sent = static_cast<uint64_t>(d.good + d.bad_with_job + d.refused_by_db);
    const std::string record_json =
        to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    kafka.produce(jobs_topic.get(), -1, record.job_id, record_json, 0);
    kafka.produce(jobs_topic.get(), -1, record.job_id, record_json, 0);
    EXPECT_TRUE(kafka.flush(60s));
    for (int kind = 0; kind < kafka::kMessageKinds; ++kind)
        EXPECT_EQ(kafka.stats(kind).failed, 0u) << kafka.stats(kind).first_error;
    return d;
}

struct JobCounts {
    bool completed = false;
    int64_t stored = 0;
    int64_t rejected = 0;
};

JobCounts counts_of(pqxx::connection& conn, const std::string& job_id) {
    pqxx::work tx(conn);
    const pqxx::row r = tx.exec_params1(
        "SELECT j.completed_at IS NOT NULL,"
        " (SELECT count(*) FROM tripstream.trips t WHERE t.job_seq = j.job_seq),"
        " (SELECT count(*) FROM tripstream.rejected_rows x WHERE x.job_id = j.job_id)"
        " FROM tripstream.ingestion_jobs j WHERE j.job_id = $1",
        job_id);
    return {r[0].as<bool>(), r[1].as<int64_t>(), r[2].as<int64_t>()};
}

int64_t value_of(pqxx::connection& conn, const std::string& sql) {
    return pqxx::nontransaction(conn).exec1(sql)[0].as<int64_t>();
}

std::string write_file(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
}

TEST(Poison, EveryClassIsIsolatedAndIngestionGoesOn) {
    const std::string topic = test::unique_name("it-poison");
    const Config& config = test::stack_config();
    pqxx::connection conn(config.database.url);
    // Real refusals by PostgreSQL of rows the consumer's validation accepts.
    pqxx::nontransaction(conn).exec0(
        "ALTER TABLE tripstream.trips ADD CONSTRAINT poison_probe_origin"
        " CHECK (NOT (ST_X(origin) = 13.0 AND ST_Y(origin) BETWEEN 13.0 AND 13.01))");
    pqxx::nontransaction(conn).exec0(
        "ALTER TABLE tripstream.datasources ADD CONSTRAINT poison_probe_datasource"
        " CHECK (name <> 'refused_by_database')");

    kafka::KafkaAdmin admin(config.kafka);
    admin.ensure_topic({topic, 3, {{"max.message.bytes", "16777216"}}});
    admin.ensure_topic({topic + ".dlq", 3, {{"max.message.bytes", "16777216"}}});
    admin.ensure_topic({topic + ".jobs", 1, {{"cleanup.policy", "compact"}}});

    auto env = test::program_env(topic);
    env["BATCH_SIZE"] = "700";  // batches that mix good and bad messages
    env["BATCH_MAX_WAIT_MS"] = "200";
    const auto log_dir = std::filesystem::temp_directory_path() / topic;
    std::filesystem::create_directories(log_dir);
    std::vector<std::unique_ptr<test::ChildProcess>> consumers;
    for (int i = 0; i < 3; ++i) {
        consumers.push_back(std::make_unique<test::ChildProcess>(
            kBin + "/consumer/tripstream-consumer", std::vector<std::string>{}, env,
            (log_dir / ("consumer-" + std::to_string(i) + ".log")).string()));
    }

    // 1. Through the producer CLI, twice with the same job id (a duplicate job id).
    const CsvInput first = hostile_csv(4000, 0);
    const CsvInput second = hostile_csv(500, 10000000);
    const std::string job_a = job_id_to_string(new_job_id());
    for (const auto* in : {&first, &second}) {
        const std::string file = write_file(topic + (in == &first ? "-1.csv" : "-2.csv"), in->text);
        test::ChildProcess producer(kBin + "/producer/tripstream-producer",
                                    {"--job-id", job_a, file}, env,
                                    (log_dir / "producer.log").string());
        const int code = producer.wait();
        EXPECT_EQ(code, 0) << "producer log " << (log_dir / "producer.log");
    }

    // 2. Through the API's upload.
    test::ApiProcess api(env, (log_dir / "api.log").string());
    const CsvInput upload = hostile_csv(2000, 20000000);
    const test::HttpResult posted =
        test::http_request(api.port(), {.method = "POST",
                                        .target = "/v1/ingestions",
                                        .headers = {{"Content-Type", "text/csv"}},
                                        .body = upload.text});
    ASSERT_EQ(posted.status, 202) << posted.body;
    const std::string job_b = posted.json().at("job_id").get<std::string>();

    // 3. Straight into the topics.
    const DirectMessages direct = produce_direct(topic, topic + ".dlq", topic + ".jobs");
    const std::string job_c = job_id_to_string(direct.job);

    // Every job completes.
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    for (const auto& job : {job_a, job_b, job_c}) {
        while (std::chrono::steady_clock::now() < deadline) {
            pqxx::result found = pqxx::nontransaction(conn).exec_params(
                "SELECT 1 FROM tripstream.ingestion_jobs WHERE job_id = $1"
                " AND completed_at IS NOT NULL",
                job);
            if (!found.empty()) break;
            std::this_thread::sleep_for(250ms);
        }
        EXPECT_TRUE(counts_of(conn, job).completed) << "job " << job << " never completed";
    }

    // Everything in the topics is consumed: the stored offsets reach the end offsets (a job
    // that completed may still have rows of an earlier run with the same job id in flight).
    int64_t end_total = 0;
    for (const auto& t : {topic, topic + ".dlq", topic + ".jobs"}) {
        for (const int64_t end : admin.end_offsets(t))
            end_total += end;
    }
    int64_t stored_total = 0;
    const auto consumed_by = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < consumed_by) {
        stored_total = value_of(conn,
                                "SELECT coalesce(sum(next_offset), 0) FROM tripstream.kafka_offsets"
                                " WHERE next_offset > 0 AND consumer_group = " +
                                    conn.quote(topic));
        if (stored_total >= end_total) break;
        std::this_thread::sleep_for(250ms);
    }
    ASSERT_EQ(stored_total, end_total) << "not every message was consumed";

    // Every good row stored exactly once; every bad row with a reason.
    const JobCounts a = counts_of(conn, job_a);
    EXPECT_EQ(a.stored, first.good + second.good);
    EXPECT_EQ(a.rejected, first.bad + second.bad);
    const JobCounts b = counts_of(conn, job_b);
    EXPECT_EQ(b.stored, upload.good);
    EXPECT_EQ(b.rejected, upload.bad);
    const JobCounts c = counts_of(conn, job_c);
    EXPECT_EQ(c.stored, direct.good);
    EXPECT_EQ(c.rejected, direct.bad_with_job + direct.refused_by_db);
    EXPECT_EQ(value_of(conn,
                       "SELECT count(*) FROM tripstream.rejected_rows"
                       " WHERE job_id IS NULL"),
              direct.bad_without_job);
    EXPECT_EQ(value_of(conn,
                       "SELECT count(*) FROM tripstream.rejected_rows"
                       " WHERE reason = '' OR reason IS NULL"),
              0);
    EXPECT_EQ(value_of(conn,
                       "SELECT count(*) FROM tripstream.rejected_rows WHERE true"
                       " AND stage = 'consumer' AND reason LIKE 'refused by the database:%'" +
                           std::string(" AND job_id = ") + conn.quote(job_c)),
              direct.refused_by_db);
    EXPECT_EQ(value_of(conn, "SELECT max(octet_length(raw)) FROM tripstream.rejected_rows"), 4096);
    EXPECT_EQ(value_of(conn,
                       "SELECT count(*) FROM (SELECT trip_time, origin, destination, job_seq"
                       " FROM tripstream.trips GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d"),
              0)
        << "a trip was stored twice";
    EXPECT_EQ(value_of(conn,
                       "SELECT count(*) FROM tripstream.consumers"
                       " WHERE state = 'failed'"),
              0);

    // No consumer exited.
    for (size_t i = 0; i < consumers.size(); ++i) {
        EXPECT_TRUE(consumers[i]->running())
            << "consumer " << i << " exited; log "
            << (log_dir / ("consumer-" + std::to_string(i) + ".log"));
    }
    // The API still answers, and the ingestion is not stalled.
    const test::HttpResult status = test::http_get(api.port(), "/v1/ingestion/status");
    EXPECT_EQ(status.status, 200) << status.body;
    for (auto& consumer : consumers)
        consumer->signal(SIGTERM);
    for (size_t i = 0; i < consumers.size(); ++i)
        EXPECT_EQ(consumers[i]->wait(), 0) << "consumer " << i;
}

}  // namespace
}  // namespace tripstream
