#include "tripstream/message/trip_message.hpp"

#include <gtest/gtest.h>

#include "tripstream/jobs/job_record.hpp"

namespace tripstream {
namespace {

Trip sample_trip() {
    Trip t;
    t.region = "Prague";
    t.origin = {14.4973794438195, 50.00136875782316};
    t.destination = {14.43109483523328, 50.04052930943246};
    t.time_us = 1527498220LL * 1'000'000 + 5;
    t.datasource = "bad_diesel_vehicles";
    return t;
}

TEST(TripMessage, RoundTripsEveryField) {
    const JobId job = new_job_id();
    std::string bytes;
    encode_trip_message(bytes, job, 123456789012ULL, sample_trip());
    EXPECT_EQ(bytes.size(), kTripMessageFixedBytes + 6 + 19);
    EXPECT_EQ(bytes[0], 1);
    TripMessage m;
    std::string reason;
    ASSERT_TRUE(decode_trip_message(bytes, m, reason)) << reason;
    EXPECT_EQ(m.job_id, job);
    EXPECT_EQ(m.line, 123456789012ULL);
    EXPECT_EQ(m.trip.region, "Prague");
    EXPECT_EQ(m.trip.datasource, "bad_diesel_vehicles");
    EXPECT_EQ(m.trip.origin.lon, 14.4973794438195);
    EXPECT_EQ(m.trip.destination.lat, 50.04052930943246);
    EXPECT_EQ(m.trip.time_us, sample_trip().time_us);
}

TEST(TripMessage, RejectsMalformedMessages) {
    std::string good;
    encode_trip_message(good, JobId{}, 2, sample_trip());
    TripMessage m;
    std::string reason;
    EXPECT_FALSE(decode_trip_message("", m, reason));
    EXPECT_EQ(reason, "empty message");
    std::string v2 = good;
    v2[0] = 2;
    EXPECT_FALSE(decode_trip_message(v2, m, reason));
    EXPECT_EQ(reason, "unknown message version 2");
    EXPECT_FALSE(decode_trip_message(good.substr(0, 40), m, reason));
    EXPECT_NE(reason.find("too short"), std::string::npos);
    EXPECT_FALSE(decode_trip_message(good.substr(0, good.size() - 1), m, reason));
    EXPECT_NE(reason.find("does not match"), std::string::npos);
    EXPECT_FALSE(decode_trip_message(good + "x", m, reason));
    std::string lying = good;
    lying[65] = static_cast<char>(200);  // region length beyond the message
    EXPECT_FALSE(decode_trip_message(lying, m, reason));
}

TEST(JobId, FormatsAndParsesUuids) {
    const JobId id = new_job_id();
    const std::string text = job_id_to_string(id);
    ASSERT_EQ(text.size(), 36u);
    EXPECT_EQ(text[14], '4');  // version 4
    JobId back{};
    ASSERT_TRUE(parse_job_id(text, back));
    EXPECT_EQ(back, id);
    EXPECT_NE(job_id_to_string(new_job_id()), text);
    EXPECT_FALSE(parse_job_id("not-a-uuid", back));
    EXPECT_FALSE(parse_job_id("123e4567-e89b-12d3-a456-42661417400g", back));
    EXPECT_FALSE(parse_job_id("123e4567e89b-12d3-a456-4266141740000", back));
}

TEST(JobRecord, JsonRoundTripAndBadRecords) {
    JobRecord job;
    job.job_id = "123e4567-e89b-42d3-a456-426614174000";
    job.source = "trips.csv";
    job.state = ProducerState::produced;
    job.started_at_us = 10;
    job.finished_at_us = 20;
    job.rows_sent = 1000;
    job.rows_rejected = 3;
    const JobRecord back = job_record_from_json(to_json(job));
    EXPECT_EQ(back.job_id, job.job_id);
    EXPECT_EQ(back.state, ProducerState::produced);
    EXPECT_EQ(back.rows_sent, 1000u);
    EXPECT_EQ(back.rows_rejected, 3u);
    auto bad = to_json(job);
    bad["state"] = "dancing";
    EXPECT_THROW(job_record_from_json(bad), std::invalid_argument);
    bad = to_json(job);
    bad.erase("rows_sent");
    EXPECT_THROW(job_record_from_json(bad), std::invalid_argument);
    EXPECT_THROW(job_record_from_json(nlohmann::json::array()), std::invalid_argument);
}

}  // namespace
}  // namespace tripstream
