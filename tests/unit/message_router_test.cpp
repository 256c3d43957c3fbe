// The consumer's MessageRouter: every message becomes exactly one trip, rejected row or job
// record, and no content makes it throw.
#include "tripstream/consumer/message_router.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "tripstream/jobs/job_record.hpp"
#include "tripstream/message/trip_message.hpp"

namespace tripstream {
namespace {

const ConsumerTopics kTopics{"trips", "trips.dlq", "trips.jobs"};

Trip good_trip() {
    Trip t;
    t.region = "Prague";
    t.datasource = "funny_car";
    t.origin = {14.4, 50.1};
    t.destination = {14.5, 50.0};
    t.time_us = 1527465600LL * 1000000;
    return t;
}

std::string encoded(const Trip& trip, const JobId& job = JobId{1, 2, 3}) {
    std::string out;
    encode_trip_message(out, job, 7, trip);
    return out;
}

TripBatch route_one(const std::string& topic, const std::string& payload, int64_t offset = 5) {
    MessageRouter router(kTopics, nullptr);
    TripBatch batch;
    batch.note_offset(topic, 0, offset, kNoOffset);
    router.route({topic, 0, offset, payload}, batch);
    EXPECT_EQ(batch.trips().size() + batch.rejections().size() + batch.jobs().size(), 1u);
    return batch;
}

TEST(MessageRouter, AValidTripJoinsTheBatch) {
    const TripBatch batch = route_one("trips", encoded(good_trip()));
    ASSERT_EQ(batch.trips().size(), 1u);
    EXPECT_EQ(batch.trips()[0].offset, 5);
    EXPECT_EQ(batch.trips()[0].message.trip.region, "Prague");
}

TEST(MessageRouter, DecodableTripsWithBadContentAreRejectedWithTheirJob) {
    const std::vector<std::string> bad_text = {
        "\xFF", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", std::string(1, '\0'),
        "\x1B", "\xC2\x85", "\xE2\x82"};
    for (const auto& bytes : bad_text) {
        for (int field = 0; field < 2; ++field) {
            Trip t = good_trip();
            (field == 0 ? t.region : t.datasource) = "ab" + bytes + "cd";
            const TripBatch batch = route_one("trips", encoded(t));
            ASSERT_EQ(batch.rejections().size(), 1u);
            const BatchRejection& r = batch.rejections()[0];
            EXPECT_TRUE(r.has_job);
            EXPECT_EQ(r.stage, "consumer");
            EXPECT_EQ(r.line, 7u);
            EXPECT_NE(r.reason.find(field == 0 ? "region" : "datasource"), std::string::npos)
                << r.reason;
            EXPECT_EQ(r.raw, encoded(t));
        }
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const GeoPoint p :
         {GeoPoint{nan, 1}, GeoPoint{1, inf}, GeoPoint{-180.0001, 1}, GeoPoint{1, 90.5}}) {
        Trip t = good_trip();
        t.destination = p;
        EXPECT_EQ(route_one("trips", encoded(t)).rejections().size(), 1u);
    }
    for (const int64_t time :
         {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
          kMinTripTimeUs - 1, kMaxTripTimeUs + 1}) {
        Trip t = good_trip();
        t.time_us = time;
        EXPECT_EQ(route_one("trips", encoded(t)).rejections().size(), 1u) << time;
    }
}

TEST(MessageRouter, UnusualButValidNumbersAreTrips) {
    Trip t = good_trip();
    t.origin = {std::numeric_limits<double>::denorm_min(), -0.0};
    t.destination = {-0.0, 2.2250738585072014e-308};
    t.time_us = kMinTripTimeUs;
    EXPECT_EQ(route_one("trips", encoded(t)).trips().size(), 1u);
    t.time_us = kMaxTripTimeUs;
    EXPECT_EQ(route_one("trips", encoded(t)).trips().size(), 1u);
}

TEST(MessageRouter, UndecodableMessagesAreRejectedWithCappedRawBytes) {
    const std::string whole = encoded(good_trip());
    for (const std::string& m :
         {std::string(), whole.substr(0, 1), whole.substr(0, 66), whole.substr(0, whole.size() - 1),
          whole + "x", "\x02" + whole.substr(1), std::string(10 << 20, '\x01')}) {
        const TripBatch batch = route_one("trips", m);
        ASSERT_EQ(batch.rejections().size(), 1u);
        const BatchRejection& r = batch.rejections()[0];
        EXPECT_FALSE(r.has_job);
        EXPECT_EQ(r.raw, m.substr(0, kMaxRawExcerptBytes));
        EXPECT_EQ(r.raw_length, m.size());
        EXPECT_FALSE(r.reason.empty());
    }
}

TEST(MessageRouter, DeadLetterRecordsKeepTheProducersReason) {
    RejectedRow row;
    row.job_id = job_id_to_string(new_job_id());
    row.source = "file.csv";
    row.line = 12;
    row.reason = "bad_region: region: invalid UTF-8 at byte 3 (overlong encoding)";
    row.raw = std::string("Pra\xC0\x80gue,POINT (1 2)", 21);
    const TripBatch batch = route_one("trips.dlq", to_json(row).dump());
    ASSERT_EQ(batch.rejections().size(), 1u);
    const BatchRejection& r = batch.rejections()[0];
    EXPECT_EQ(r.stage, "producer");
    EXPECT_TRUE(r.has_job);
    EXPECT_EQ(r.line, 12u);
    EXPECT_EQ(r.reason, row.reason);
    EXPECT_EQ(r.raw, row.raw);
}

TEST(MessageRouter, MalformedDeadLetterAndJobRecordsAreRejected) {
    for (const std::string& m : {std::string("not json"), std::string("[1]"), std::string("null"),
                                 std::string("{\"job_id\":7}"), std::string("\xFF\xFE")}) {
        const TripBatch dead = route_one("trips.dlq", m);
        ASSERT_EQ(dead.rejections().size(), 1u) << m;
        EXPECT_EQ(dead.rejections()[0].stage, "consumer");
        const TripBatch jobs = route_one("trips.jobs", m);
        ASSERT_EQ(jobs.rejections().size(), 1u) << m;
        EXPECT_TRUE(jobs.jobs().empty());
    }
    const TripBatch bad_id =
        route_one("trips.jobs", R"({"version":1,"job_id":"not-a-uuid","state":"produced"})");
    EXPECT_EQ(bad_id.rejections().size(), 1u);
    JobRecord job;
    job.job_id = job_id_to_string(new_job_id());
    job.state = ProducerState::produced;
    const TripBatch ok = route_one("trips.jobs", to_json(job).dump());
    ASSERT_EQ(ok.jobs().size(), 1u);
    EXPECT_EQ(ok.jobs()[0].record.job_id, job.job_id);
    EXPECT_EQ(ok.jobs()[0].topic, "trips.jobs");
}

TEST(MessageRouter, RandomBytesOnEveryTopicNeverThrow) {
    std::mt19937_64 random(11);
    MessageRouter router(kTopics, nullptr);
    TripBatch batch;
    const std::string whole = encoded(good_trip());
    for (int i = 0; i < 20000; ++i) {
        std::string m;
        if (i % 2 == 0) {  // a valid message with a few bytes flipped
            m = whole;
            for (int k = 0; k < 3; ++k)
                m[random() % m.size()] = static_cast<char>(random());
        } else {
            m.resize(random() % 300);
            for (char& c : m)
                c = static_cast<char>(random());
        }
        const std::string& topic = i % 3 == 0   ? kTopics.trips
                                   : i % 3 == 1 ? kTopics.dead_letter
                                                : kTopics.jobs;
        batch.note_offset(topic, 0, i, kNoOffset);
        EXPECT_NO_THROW(router.route({topic, 0, i, m}, batch));
    }
    EXPECT_EQ(batch.trips().size() + batch.rejections().size() + batch.jobs().size(), 20000u);
}

}  // namespace
}  // namespace tripstream
