// The consumer continues after retention (or compaction) removed the message at its stored
// offset: the batch starts later than the committed position, which is allowed, and nothing
// is stored twice.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <pqxx/pqxx>
#include <thread>

#include "support/child_process.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/kafka/kafka_consumer.hpp"
#include "tripstream/producer/trip_producer.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

struct Topics {
    std::string trips = test::unique_name("it-retention");
    std::string dead = trips + ".dlq";
    std::string jobs = trips + ".jobs";
};

// Produces `rows` generated trips (seed varies per call) as a new job; returns its id.
std::string produce(const Topics& t, uint64_t rows, uint64_t seed) {
    ProducerOptions po;
    po.topic = t.trips;
    po.dead_letter_topic = t.dead;
    po.jobs_topic = t.jobs;
    po.partitions = 1;
    po.job_id = new_job_id();
    kafka::KafkaProducer kafka(test::stack_config().kafka);
    TripProducer producer(kafka, po);
    GeneratorOptions g;
    g.seed = seed;
    GeneratedTripSource source(g, rows);
    const std::atomic<bool> never{false};
    const ProducerSummary summary = producer.run(source, never);
    EXPECT_TRUE(summary.ok()) << summary.error;
    return summary.job_id;
}

// Runs one consumer until it has been idle for 2 s; fails the test if it takes over 60 s.
void consume(const Topics& t, const std::filesystem::path& log) {
    test::ChildProcess consumer(
        std::string(TRIPSTREAM_BINARY_DIR) + "/consumer/tripstream-consumer",
        {"--exit-when-idle", "2"}, test::program_env(t.trips), log.string());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (consumer.running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_FALSE(consumer.running()) << "consumer still running after 60 s; log: " << log;
    EXPECT_EQ(consumer.wait(), 0) << "log: " << log;
}

TEST(ConsumerOffsets, ContinuesWhenRetentionRemovedTheStoredOffset) {
    const Topics t;
    const Config& config = test::stack_config();
    db::migrate(config.database.url);
    kafka::KafkaAdmin admin(config.kafka);
    admin.ensure_topic({t.trips, 1, {}});
    admin.ensure_topic({t.dead, 1, {}});
    admin.ensure_topic({t.jobs, 1, {}});
    const auto log = std::filesystem::temp_directory_path() / (t.trips + ".log");

    const std::string first_job = produce(t, 100, 1);
    consume(t, log);                                    // stores offsets 0..99; next offset 100
    const std::string second_job = produce(t, 100, 2);  // offsets 100..199
    admin.delete_records_before(t.trips, 0, 150);       // retention removes 100..149
    consume(t, log);

    pqxx::connection conn(config.database.url);
    EXPECT_EQ(test::trips_stored(conn, first_job), 100);
    EXPECT_EQ(test::trips_stored(conn, second_job), 50);  // the 50 messages that still exist
    pqxx::work tx(conn);
    EXPECT_EQ(tx.exec_params1("SELECT next_offset FROM tripstream.kafka_offsets WHERE"
                              " consumer_group = $1 AND topic = $1 AND kafka_partition = 0",
                              t.trips)[0]
                  .as<int64_t>(),
              200);
    // The informational copy in Kafka (for lag tools) matches the database.
    kafka::KafkaConsumer group_view(config.kafka, t.trips);
    kafka::TopicPartitionListPtr committed(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(committed.get(), t.trips.c_str(), 0);
    ASSERT_EQ(rd_kafka_committed(group_view.handle(), committed.get(), 10000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(committed->elems[0].offset, 200);
    if (!HasFailure()) std::filesystem::remove(log);
}

}  // namespace
}  // namespace tripstream
