// One job's delivery counts on a shared producer: what is produced and not yet reported is
// pending, deliveries and failures are counted per kind, the first error is kept, and a
// message librdkafka refused (taken back) is not waited for.
#include "tripstream/kafka/delivery_tally.hpp"

#include <gtest/gtest.h>

namespace tripstream::kafka {
namespace {

TEST(DeliveryTally, CountsPerKindAndKnowsWhatIsPending) {
    DeliveryTally tally;
    EXPECT_EQ(tally.pending(), 0u);
    tally.add_produced(0, 1);
    tally.add_produced(0, 1);
    tally.add_produced(1, 1);
    EXPECT_EQ(tally.pending(), 3u);
    tally.record_delivered(0);
    tally.record_failed(1, "trips.dlq[0]: Local: Message timed out");
    tally.record_failed(0, "trips[1]: later error");
    EXPECT_EQ(tally.pending(), 0u);
    const DeliveryStats trips = tally.stats(0);
    EXPECT_EQ(trips.produced, 2u);
    EXPECT_EQ(trips.delivered, 1u);
    EXPECT_EQ(trips.failed, 1u);
    EXPECT_EQ(trips.first_error, "trips.dlq[0]: Local: Message timed out");
    EXPECT_EQ(tally.stats(1).failed, 1u);
    EXPECT_EQ(tally.delivered(0), 1u);
}

TEST(DeliveryTally, ARefusedMessageIsNotPending) {
    DeliveryTally tally;
    tally.add_produced(2, 1);
    tally.add_produced(2, -1);  // rd_kafka_produce refused it: no report will come
    EXPECT_EQ(tally.pending(), 0u);
    EXPECT_EQ(tally.stats(2).produced, 0u);
}

TEST(DeliveryTally, EachKindHasItsOwnSlotPointingBack) {
    DeliveryTally tally;
    for (int kind = 0; kind < kMessageKinds; ++kind) {
        EXPECT_EQ(tally.slot(kind)->tally, &tally);
        EXPECT_EQ(tally.slot(kind)->kind, kind);
    }
}

}  // namespace
}  // namespace tripstream::kafka
