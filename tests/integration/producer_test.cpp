// The producer against the real local broker: a generated file with deliberately broken rows
// must land as exact counts on the trips topic and the dead-letter topic.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "support/kafka_drain.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "tripstream/csv/trip_csv_writer.hpp"
#include "tripstream/generator/trip_generator.hpp"
#include "tripstream/jobs/job_record.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/message/trip_message.hpp"
#include "tripstream/producer/trip_producer.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

struct Topics {
    std::string trips = test::unique_name("it-trips");
    std::string dead = test::unique_name("it-dlq");
    std::string jobs = test::unique_name("it-jobs");
};

void create(const Topics& t, int partitions) {
    kafka::KafkaAdmin admin(test::stack_config().kafka);
    admin.ensure_topic({t.trips, partitions, {}});
    admin.ensure_topic({t.dead, 1, {}});
    admin.ensure_topic({t.jobs, 1, {{"cleanup.policy", "compact"}}});
}

ProducerOptions options_for(const Topics& t, int partitions) {
    ProducerOptions o;
    o.topic = t.trips;
    o.dead_letter_topic = t.dead;
    o.jobs_topic = t.jobs;
    o.partitions = partitions;
    o.job_id = new_job_id();
    return o;
}

TEST(Producer, ExactCountsOnTripsAndDeadLetterTopics) {
    const Topics topics;
    constexpr int kPartitions = 6;
    create(topics, kPartitions);
    const auto path = std::filesystem::temp_directory_path() / (topics.trips + ".csv");
    constexpr int kGood = 20000;
    const test::TripsFile file = test::write_trips_csv(path.string(), kGood);
    const int broken = file.broken_rows;
    const auto& broken_by_code = file.broken_by_code;
    ASSERT_GT(broken, 200);

    const auto& bootstrap = test::stack_config().kafka;
    const ProducerOptions options = options_for(topics, kPartitions);
    const ProducerSummary summary = test::produce_file(options, path.string());
    std::filesystem::remove(path);
    EXPECT_TRUE(summary.ok()) << summary.error;
    EXPECT_EQ(summary.rows_sent, static_cast<uint64_t>(kGood));
    EXPECT_EQ(summary.rows_rejected, static_cast<uint64_t>(broken));

    // The topic holds exactly the good rows, balanced over the partitions, decodable.
    kafka::KafkaAdmin admin(bootstrap);
    const auto ends = admin.end_offsets(topics.trips);
    int64_t total = 0;
    for (auto e : ends) {
        total += e;
        EXPECT_GT(e, kGood / kPartitions - 1100) << "partition imbalance";
    }
    EXPECT_EQ(total, kGood);
    const auto trip_values = test::drain_topic(bootstrap, topics.trips, kGood);
    ASSERT_EQ(trip_values.size(), static_cast<size_t>(kGood));
    std::set<uint64_t> lines;
    TripMessage message;
    std::string reason;
    for (const auto& v : trip_values) {
        ASSERT_TRUE(decode_trip_message(v, message, reason)) << reason;
        EXPECT_EQ(message.job_id, options.job_id);
        lines.insert(message.line);
    }
    EXPECT_EQ(lines.size(), static_cast<size_t>(kGood));  // every source line exactly once

    // The dead-letter topic holds exactly the broken rows, each with its reason and line.
    const auto dead = test::drain_topic(bootstrap, topics.dead, broken);
    ASSERT_EQ(dead.size(), static_cast<size_t>(broken));
    std::map<std::string, int> seen_by_code;
    for (const auto& v : dead) {
        const RejectedRow row = rejected_row_from_json(nlohmann::json::parse(v));
        EXPECT_EQ(row.job_id, summary.job_id);
        EXPECT_GT(row.line, 1u);
        EXPECT_FALSE(row.raw.empty());
        ++seen_by_code[row.reason.substr(0, row.reason.find(':'))];
    }
    EXPECT_EQ(seen_by_code, broken_by_code);

    // The jobs topic: a "producing" record, then the final "produced" one with the counts.
    const auto jobs = test::drain_topic(bootstrap, topics.jobs, 2);
    ASSERT_EQ(jobs.size(), 2u);
    const JobRecord final_job = job_record_from_json(nlohmann::json::parse(jobs.back()));
    EXPECT_EQ(final_job.state, ProducerState::produced);
    EXPECT_EQ(final_job.rows_sent, static_cast<uint64_t>(kGood));
    EXPECT_EQ(final_job.rows_rejected, static_cast<uint64_t>(broken));
    EXPECT_GT(final_job.finished_at_us, final_job.started_at_us);
}

TEST(Producer, NumMessagesCyclesTheInputToAnExactCount) {
    const Topics topics;
    create(topics, 3);
    const auto path = std::filesystem::temp_directory_path() / (topics.trips + ".csv");
    test::write_trips_csv(path.string(), 100);  // 100 good rows, 1 broken

    ProducerOptions options = options_for(topics, 3);
    options.num_messages = 2550;  // 25.5 passes
    const auto& bootstrap = test::stack_config().kafka;
    const ProducerSummary summary = test::produce_file(options, path.string());
    std::filesystem::remove(path);
    EXPECT_TRUE(summary.ok()) << summary.error;
    EXPECT_EQ(summary.rows_sent, 2550u);
    EXPECT_EQ(summary.passes, 26u);
    kafka::KafkaAdmin admin(bootstrap);
    int64_t total = 0;
    for (auto e : admin.end_offsets(topics.trips))
        total += e;
    EXPECT_EQ(total, 2550);
}

TEST(Producer, StopFlagEndsEarlyAndEverythingReadIsAcknowledged) {
    const Topics topics;
    create(topics, 2);
    ProducerOptions options = options_for(topics, 2);
    const auto& bootstrap = test::stack_config().kafka;
    kafka::KafkaProducer kafka(bootstrap);
    TripProducer producer(kafka, options);
    GeneratedTripSource source({}, 50'000'000);
    std::atomic<bool> stop{false};
    std::thread stopper([&] {
        while (producer.rows_enqueued() < 20000)
            std::this_thread::sleep_for(1ms);
        stop = true;
    });
    const ProducerSummary summary = producer.run(source, stop);
    stopper.join();
    EXPECT_TRUE(summary.interrupted);
    EXPECT_TRUE(summary.ok()) << summary.error;
    EXPECT_GE(summary.rows_sent, 20000u);
    EXPECT_LT(summary.rows_sent, 50'000'000u);
    kafka::KafkaAdmin admin(bootstrap);
    int64_t total = 0;
    for (auto e : admin.end_offsets(topics.trips))
        total += e;
    EXPECT_EQ(static_cast<uint64_t>(total), summary.rows_sent);
}

TEST(Producer, UnreachableBrokerIsReportedAsFailureNotSuccess) {
    ProducerOptions options;
    options.topic = "t";
    options.dead_letter_topic = "d";
    options.jobs_topic = "j";
    options.flush_timeout = 3s;
    // Port 1 on loopback: nothing listens; messages time out instead of being acknowledged.
    kafka::KafkaProducer kafka(kafka::KafkaConnection("127.0.0.1:1"),
                               {{"message.timeout.ms", "2000"}});
    TripProducer producer(kafka, options);
    GeneratedTripSource source({}, 100);
    std::atomic<bool> stop{false};
    const ProducerSummary summary = producer.run(source, stop);
    EXPECT_FALSE(summary.ok());
    EXPECT_EQ(summary.rows_sent, 0u);
    EXPECT_EQ(summary.rows_failed, 100u);
    EXPECT_FALSE(summary.error.empty());
}

}  // namespace
}  // namespace tripstream
