// Produces 10,000 messages to a fresh topic on the real local broker and reads exactly
// 10,000 back, each one once.
#include <gtest/gtest.h>

#include <set>

#include "support/test_env.hpp"
#include "tripstream/kafka/kafka_admin.hpp"
#include "tripstream/kafka/kafka_consumer.hpp"
#include "tripstream/kafka/kafka_producer.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

TEST(KafkaRoundTrip, TenThousandMessagesOutExactlyTenThousandBack) {
    const auto& bootstrap = test::stack_config().kafka;
    const std::string topic = test::unique_name("it-roundtrip");
    constexpr int kMessages = 10000;
    constexpr int kPartitions = 4;

    kafka::KafkaAdmin admin(bootstrap);
    admin.ensure_topic({topic, kPartitions, {}});
    ASSERT_EQ(admin.partition_count(topic), kPartitions);

    {
        kafka::KafkaProducer producer(bootstrap);
        auto handle = producer.topic(topic);
        for (int i = 0; i < kMessages; ++i) {
            producer.produce(handle.get(), i % kPartitions, {}, "message-" + std::to_string(i));
            producer.poll();
        }
        ASSERT_TRUE(producer.flush(30s));
        const auto stats = producer.stats();
        EXPECT_EQ(stats.delivered, static_cast<uint64_t>(kMessages)) << stats.first_error;
        EXPECT_EQ(stats.failed, 0u) << stats.first_error;
    }

    const auto ends = admin.end_offsets(topic);
    int64_t total_end = 0;
    for (auto e : ends)
        total_end += e;
    EXPECT_EQ(total_end, kMessages);

    kafka::KafkaConsumer consumer(bootstrap, test::unique_name("it-group"));
    consumer.subscribe({topic});
    std::set<std::string> seen;
    int received = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (received < kMessages && std::chrono::steady_clock::now() < deadline) {
        auto message = consumer.poll(500ms);
        if (!message) continue;
        ASSERT_EQ(message->err, RD_KAFKA_RESP_ERR_NO_ERROR)
            << rd_kafka_message_errstr(message.get());
        seen.emplace(static_cast<const char*>(message->payload), message->len);
        ++received;
    }
    // Nothing beyond the 10,000: a short extra poll must come back empty.
    for (int i = 0; i < 4; ++i) {
        auto extra = consumer.poll(250ms);
        if (extra && extra->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++received;
    }
    EXPECT_EQ(received, kMessages);
    EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages));
    EXPECT_EQ(seen.count("message-0"), 1u);
    EXPECT_EQ(seen.count("message-9999"), 1u);
}

}  // namespace
}  // namespace tripstream
