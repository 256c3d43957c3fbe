// The ingestion status without a database: the job rules (state, rate, ETA), partition lag,
// the JSON shape the API sends and the change detection of the SSE streams.
#include "tripstream/status/ingestion_status.hpp"

#include <gtest/gtest.h>

#include "tripstream/status/job_status_rules.hpp"
#include "tripstream/status/partition_lag.hpp"
#include "tripstream/status/stall_rules.hpp"
#include "tripstream/status/status_changes.hpp"
#include "tripstream/status/status_json.hpp"
#include "tripstream/time/iso_timestamp.hpp"

namespace tripstream::status {
namespace {

constexpr int64_t kSecond = 1'000'000;
// 2026-11-22T10:00:00Z
constexpr int64_t kNow = 1'795'341'600 * kSecond;

JobFacts producing_job() {
    JobFacts f;
    f.id = "9b2e0000-0000-4000-8000-000000000001";
    f.source = "trips.csv";
    f.producer_state = "producing";
    f.producer_started_at_us = kNow - 100 * kSecond;
    f.rows_sent = 0;  // what the producer's first record says
    f.producer_rejected = 0;
    f.created_at_us = kNow - 99 * kSecond;
    return f;
}

JobFacts with_progress(JobFacts f, int64_t inserted, int64_t rejected, int64_t since_s) {
    f.rows_inserted = inserted;
    f.rows_rejected = rejected;
    f.first_progress_us = kNow - since_s * kSecond;
    return f;
}

JobFacts produced(JobFacts f, int64_t rows_sent, int64_t producer_rejected) {
    f.producer_state = "produced";
    f.rows_sent = rows_sent;
    f.producer_rejected = producer_rejected;
    f.producer_finished_at_us = kNow - 50 * kSecond;
    return f;
}

TEST(IsoTimestamp, FormatsUtcWithWholeSecondsRoundingDown) {
    EXPECT_EQ(format_iso_timestamp(kNow), "2026-11-22T10:00:00Z");
    EXPECT_EQ(format_iso_timestamp(kNow + 999'999), "2026-11-22T10:00:00Z");
    EXPECT_EQ(format_iso_timestamp(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_iso_timestamp(-1), "1969-12-31T23:59:59Z");
}

TEST(JobStatusRules, StateFollowsCompletionFailureAndStoredRows) {
    EXPECT_EQ(job_state(producing_job()), JobState::queued);
    EXPECT_EQ(job_state(with_progress(producing_job(), 0, 1, 10)), JobState::running);
    EXPECT_EQ(job_state(with_progress(producing_job(), 5, 0, 10)), JobState::running);

    JobFacts failed = with_progress(producing_job(), 5, 0, 10);
    failed.producer_state = "failed";
    EXPECT_EQ(job_state(failed), JobState::failed);

    JobFacts interrupted = produced(with_progress(producing_job(), 5, 0, 10), 5, 0);
    interrupted.producer_state = "interrupted";
    EXPECT_EQ(job_state(interrupted), JobState::running);
    interrupted.completed_at_us = kNow - kSecond;
    EXPECT_EQ(job_state(interrupted), JobState::completed);

    JobFacts unknown_producer;  // trips arrived before the job record
    unknown_producer.id = "x";
    EXPECT_EQ(job_state(unknown_producer), JobState::queued);
}

TEST(JobStatusRules, ProducerCountsAreUnknownWhileItProduces) {
    JobFacts f = with_progress(producing_job(), 700, 3, 10);
    const JobStatus running = job_status_from(f, kNow);
    EXPECT_EQ(running.rows_sent, std::nullopt);
    EXPECT_EQ(running.rows_rejected_producer, std::nullopt);
    EXPECT_EQ(running.rows_rejected_consumer, 3);
    EXPECT_EQ(running.rows_rejected, 3);
    EXPECT_EQ(running.eta_seconds, std::nullopt);  // nothing to count down to

    const JobStatus done = job_status_from(produced(f, 1003, 20), kNow);
    EXPECT_EQ(done.rows_sent, 1003);
    EXPECT_EQ(done.rows_rejected_producer, 20);
    EXPECT_EQ(done.rows_rejected, 23);
    EXPECT_EQ(done.rows_inserted, 700);
}

TEST(JobStatusRules, RateAndEtaOverTheStoredProgress) {
    // 1,000 rows accounted for in the 10 s since the first batch: 100 rows/s; 3,000 sent, so
    // 2,000 to go = 20 s.
    const JobStatus s =
        job_status_from(produced(with_progress(producing_job(), 990, 10, 10), 3000, 0), kNow);
    ASSERT_TRUE(s.rate.has_value());
    EXPECT_DOUBLE_EQ(*s.rate, 100.0);
    ASSERT_TRUE(s.eta_seconds.has_value());
    EXPECT_DOUBLE_EQ(*s.eta_seconds, 20.0);

    // A completed job's rate ends at its completion, not now.
    JobFacts completed = produced(with_progress(producing_job(), 1000, 0, 100), 1000, 0);
    completed.completed_at_us = kNow - 96 * kSecond;  // 4 s after the first batch
    const JobStatus c = job_status_from(completed, kNow);
    EXPECT_DOUBLE_EQ(c.rate.value_or(-1), 250.0);
    EXPECT_EQ(c.eta_seconds, 0.0);
    EXPECT_EQ(c.finished_at_us, completed.completed_at_us);
}

TEST(JobStatusRules, NoRateFromLessThanASecondOrNoRows) {
    EXPECT_EQ(job_rate(producing_job(), kNow), std::nullopt);
    JobFacts just_started = with_progress(producing_job(), 200000, 0, 0);
    just_started.first_progress_us = kNow - 400'000;  // 0.4 s
    EXPECT_EQ(job_rate(just_started, kNow), std::nullopt);
    EXPECT_EQ(job_status_from(produced(just_started, 300000, 0), kNow).eta_seconds, std::nullopt);
}

TEST(JobStatusRules, FailedJobsHaveTheProducersEndAndNoEta) {
    JobFacts f = with_progress(producing_job(), 10, 0, 20);
    f.producer_state = "failed";
    f.rows_sent = 40;
    f.producer_finished_at_us = kNow - 5 * kSecond;
    f.error = "broker down";
    const JobStatus s = job_status_from(f, kNow);
    EXPECT_EQ(s.state, JobState::failed);
    EXPECT_EQ(s.rows_sent, 40);
    EXPECT_EQ(s.finished_at_us, kNow - 5 * kSecond);
    EXPECT_EQ(s.eta_seconds, std::nullopt);
    EXPECT_EQ(s.error, "broker down");
}

TEST(JobStatusRules, StartIsTheProducersOrElseWhenFirstSeen) {
    JobFacts f = producing_job();
    EXPECT_EQ(job_status_from(f, kNow).started_at_us, kNow - 100 * kSecond);
    f.producer_started_at_us.reset();
    EXPECT_EQ(job_status_from(f, kNow).started_at_us, kNow - 99 * kSecond);
    EXPECT_EQ(job_status_from(f, kNow).finished_at_us, std::nullopt);
}

TEST(PartitionLag, EndMinusStoredWithMissingSidesExplicit) {
    const std::vector<TopicEndOffsets> topics = {{"trips", std::vector<int64_t>{100, 50, 7}},
                                                 {"trips.jobs", std::nullopt}};
    const std::vector<StoredOffset> stored = {{"trips", 0, 60},
                                              {"trips", 2, 9},
                                              {"trips", 4, 12},
                                              {"trips.jobs", 0, 3},
                                              {"trips.dlq", 0, 1000}};
    const auto lags = partition_lags(topics, stored);
    ASSERT_EQ(lags.size(), 5u);
    EXPECT_EQ(lags[0], (PartitionLag{"trips", 0, 100, 60, 40}));
    EXPECT_EQ(lags[1], (PartitionLag{"trips", 1, 50, std::nullopt, 50}));  // nothing stored
    EXPECT_EQ(lags[2], (PartitionLag{"trips", 2, 7, 9, 0}));  // recreated topic: never negative
    EXPECT_EQ(lags[3], (PartitionLag{"trips", 4, std::nullopt, 12, std::nullopt}));  // not in Kafka
    EXPECT_EQ(lags[4], (PartitionLag{"trips.jobs", 0, std::nullopt, 3, std::nullopt}));
    EXPECT_EQ(total_lag(topics, lags), std::nullopt);  // the jobs topic's ends are unknown

    const std::vector<TopicEndOffsets> trips_only = {topics[0]};
    EXPECT_EQ(total_lag(trips_only, partition_lags(trips_only, stored)), 90);
}

TEST(PartitionLag, MinusOneStoredMeansNothingStored) {
    const auto lags = partition_lags({{"trips", std::vector<int64_t>{5}}}, {{"trips", 0, -1}});
    ASSERT_EQ(lags.size(), 1u);
    EXPECT_EQ(lags[0].stored_offset, std::nullopt);
    EXPECT_EQ(lags[0].lag, 5);
}

IngestionStatus sample_status() {
    IngestionStatus s;
    s.state = IngestionState::ingesting;
    s.generated_at_us = kNow + 250'000;
    JobFacts f = produced(with_progress(producing_job(), 990, 10, 10), 3000, 2);
    s.jobs.push_back(job_status_from(f, kNow));
    s.partitions.push_back({"trips", 3, 120, std::nullopt, 120});
    s.total_lag = 120;
    ConsumerStatus c;
    c.id = "host:42";
    c.group = "tripstream-consumer";
    c.partitions = {0, 2};
    c.started_at_us = kNow - 3600 * kSecond;
    c.last_heartbeat_us = kNow - 2 * kSecond;
    c.rows_inserted = 990;
    c.rows_rejected = 10;
    c.batches = 4;
    c.rows_per_second = 1.0 / 3.0;
    c.state = "running";
    c.live = true;
    s.consumers.push_back(c);
    return s;
}

TEST(StatusJson, JobHasEveryFieldWithNullsForUnknowns) {
    const nlohmann::json j = to_json(job_status_from(producing_job(), kNow));
    EXPECT_EQ(j, nlohmann::json::parse(R"({
        "id": "9b2e0000-0000-4000-8000-000000000001", "source": "trips.csv", "state": "queued",
        "producer_state": "producing", "rows_sent": null, "rows_inserted": 0,
        "rows_rejected": 0, "rows_rejected_consumer": 0, "rows_rejected_producer": null,
        "started_at": "2026-11-22T09:58:20Z", "finished_at": null, "rate": null,
        "eta_seconds": null, "error": null, "reason": null})"));
}

TEST(StatusJson, StatusHasItsPartsAndRoundsRates) {
    const nlohmann::json j = to_json(sample_status());
    EXPECT_EQ(j["state"], "ingesting");
    EXPECT_TRUE(j["reason"].is_null());
    EXPECT_EQ(j["generated_at"], "2026-11-22T10:00:00Z");
    EXPECT_EQ(j["total_lag"], 120);
    ASSERT_EQ(j["jobs"].size(), 1u);
    EXPECT_EQ(j["jobs"][0]["state"], "running");
    EXPECT_EQ(j["jobs"][0]["rows_sent"], 3000);
    EXPECT_EQ(j["jobs"][0]["rows_rejected"], 12);
    EXPECT_EQ(j["jobs"][0]["rate"], 100.0);
    EXPECT_EQ(j["jobs"][0]["eta_seconds"], 20.0);
    EXPECT_EQ(j["partitions"][0],
              nlohmann::json::parse(R"({"topic": "trips", "partition": 3, "end_offset": 120,
                                        "stored_offset": null, "lag": 120})"));
    EXPECT_EQ(j["consumers"][0],
              nlohmann::json::parse(R"({"id": "host:42", "group": "tripstream-consumer",
                  "partitions": [0, 2], "started_at": "2026-11-22T09:00:00Z",
                  "last_heartbeat": "2026-11-22T09:59:58Z", "rows_inserted": 990,
                  "rows_rejected": 10, "batches": 4, "rows_per_second": 0.3,
                  "state": "running", "live": true, "error": null})"));
    IngestionStatus unknown_lag = sample_status();
    unknown_lag.total_lag.reset();
    EXPECT_TRUE(to_json(unknown_lag)["total_lag"].is_null());
}

TEST(StatusChanges, CompletedJobsAreReportedOnceWhenTheyComplete) {
    IngestionStatus before = sample_status();
    IngestionStatus after = before;
    EXPECT_TRUE(newly_completed_jobs(before, after).empty());

    after.jobs[0].state = JobState::completed;
    JobStatus quick;  // appeared and completed between the two snapshots
    quick.id = "quick";
    quick.state = JobState::completed;
    JobStatus queued;
    queued.id = "queued";
    after.jobs.insert(after.jobs.begin(), {quick, queued});
    const auto completed = newly_completed_jobs(before, after);
    ASSERT_EQ(completed.size(), 2u);
    EXPECT_EQ(completed[0].id, "quick");
    EXPECT_EQ(completed[1].id, before.jobs[0].id);

    EXPECT_TRUE(newly_completed_jobs(after, after).empty());  // already completed before
}

TEST(StatusChanges, TheClockAloneIsNoChange) {
    const IngestionStatus before = sample_status();
    IngestionStatus after = before;
    after.generated_at_us += 5 * kSecond;
    after.jobs[0].rate = 90.0;
    after.jobs[0].eta_seconds = 22.0;
    after.consumers[0].last_heartbeat_us += 5 * kSecond;
    after.consumers[0].rows_per_second = 0.2;
    EXPECT_FALSE(status_changed(before, after));
}

TEST(StatusChanges, CountsStatesLagAndLivenessAreChanges) {
    const IngestionStatus before = sample_status();
    const auto changed = [&](auto edit) {
        IngestionStatus after = before;
        edit(after);
        return status_changed(before, after);
    };
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.jobs[0].rows_inserted += 1; }));
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.jobs[0].state = JobState::completed; }));
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.partitions[0].lag = 0; }));
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.total_lag = 0; }));
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.state = IngestionState::idle; }));
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.consumers[0].live = false; }));
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.consumers.clear(); }));
    EXPECT_TRUE(changed([](IngestionStatus& s) { s.jobs.push_back(JobStatus{}); }));
}

// --- consumers' reported state and the overall state (stall_rules) ------------------------

using std::chrono::microseconds;
using std::chrono::seconds;

TEST(StallRules, AConsumerWhoseHeartbeatExpiredIsDead) {
    EXPECT_EQ(kHeartbeatExpiry, seconds(15));  // three missed 5 s heartbeats (docs/status.md)
    EXPECT_EQ(reported_consumer_state("running", seconds(14)), "running");
    EXPECT_EQ(reported_consumer_state("running", microseconds(14'999'999)), "running");
    EXPECT_EQ(reported_consumer_state("running", seconds(15)), "dead");
    EXPECT_EQ(reported_consumer_state("running", seconds(600)), "dead");
    // What a consumer wrote on its way out stays what it said, however old.
    EXPECT_EQ(reported_consumer_state("stopped", seconds(600)), "stopped");
    EXPECT_EQ(reported_consumer_state("failed", seconds(600)), "failed");
    EXPECT_EQ(reported_consumer_state("failed", seconds(1)), "failed");
    EXPECT_EQ(reported_consumer_state("running", seconds(30), seconds(60)), "running");
}

ConsumerStatus consumer(const std::string& id, const std::string& state,
                        std::optional<std::string> error = std::nullopt) {
    ConsumerStatus c;
    c.id = id;
    c.group = "tripstream-consumer";
    c.state = state;
    c.live = state == "running";
    c.error = std::move(error);
    return c;
}

// A status as read: one produced job with 2,000 of 3,000 rows stored, one producing job, one
// completed, one failed; 1,000 messages of lag.
IngestionStatus lagging_status() {
    IngestionStatus s;
    s.generated_at_us = kNow;
    s.jobs.push_back(job_status_from(
        produced(with_progress(producing_job(), 1990, 10, 10), 3000, 0), kNow));  // running
    JobFacts producing = producing_job();
    producing.id = "producing";
    s.jobs.push_back(job_status_from(producing, kNow));  // queued, rows_sent unknown
    JobFacts completed = produced(with_progress(producing_job(), 10, 0, 10), 10, 0);
    completed.id = "completed";
    completed.completed_at_us = kNow - kSecond;
    s.jobs.push_back(job_status_from(completed, kNow));
    JobFacts failed = with_progress(producing_job(), 5, 0, 10);
    failed.id = "failed";
    failed.producer_state = "failed";
    failed.rows_sent = 9;
    s.jobs.push_back(job_status_from(failed, kNow));
    s.partitions.push_back({"trips", 0, 1000, 0, 1000});
    s.total_lag = 1000;
    return s;
}

const OverallFacts kFacts{true, "tripstream-consumer", kHeartbeatExpiry};

TEST(StallRules, LagWithoutALiveConsumerIsStalledWithTheReasonOnEveryAffectedJob) {
    IngestionStatus s = lagging_status();
    s.consumers = {consumer("a", "failed", "poison message at trips/3@1200: value too long"),
                   consumer("b", "failed", "poison message at trips/3@1200: value too long"),
                   consumer("c", "dead"), consumer("d", "stopped")};
    apply_overall_state(s, kFacts);
    EXPECT_EQ(s.state, IngestionState::stalled);
    EXPECT_EQ(s.reason,
              "no live consumer in group 'tripstream-consumer' while messages wait in Kafka; "
              "2 consumers failed: poison message at trips/3@1200: value too long; "
              "1 consumer dead (no heartbeat for 15 s); 1 consumer stopped");
    EXPECT_EQ(s.jobs[0].state, JobState::stalled);  // 1,000 rows left
    EXPECT_EQ(s.jobs[0].reason, s.reason);
    EXPECT_EQ(s.jobs[0].eta_seconds, std::nullopt);  // nothing progresses
    EXPECT_TRUE(s.jobs[0].rate.has_value());         // the average so far stays
    EXPECT_EQ(s.jobs[1].state, JobState::stalled);   // producing: rows left unknown
    EXPECT_EQ(s.jobs[2].state, JobState::completed);
    EXPECT_EQ(s.jobs[2].reason, std::nullopt);
    EXPECT_EQ(s.jobs[3].state, JobState::failed);  // final states stay final

    const nlohmann::json j = to_json(s);
    EXPECT_EQ(j["state"], "stalled");
    EXPECT_EQ(j["reason"], *s.reason);
    EXPECT_EQ(j["jobs"][0]["state"], "stalled");
    EXPECT_EQ(j["jobs"][0]["reason"], *s.reason);
    EXPECT_TRUE(j["jobs"][2]["reason"].is_null());
    EXPECT_EQ(j["consumers"][0]["state"], "failed");
    EXPECT_EQ(j["consumers"][0]["live"], false);
    EXPECT_EQ(j["consumers"][0]["error"], "poison message at trips/3@1200: value too long");
    EXPECT_TRUE(j["consumers"][2]["error"].is_null());
}

TEST(StallRules, NoConsumerAtAllIsStalledToo) {
    IngestionStatus s = lagging_status();
    apply_overall_state(s, kFacts);
    EXPECT_EQ(s.state, IngestionState::stalled);
    EXPECT_EQ(s.reason,
              "no live consumer in group 'tripstream-consumer' while messages wait in Kafka; "
              "no consumer of the group ran in the last hour");
}

TEST(StallRules, OneLiveConsumerIsNoStallButFailedOnesStayVisible) {
    IngestionStatus s = lagging_status();
    s.consumers = {consumer("a", "running"), consumer("b", "failed", "disk full"),
                   consumer("c", "dead")};
    apply_overall_state(s, kFacts);
    EXPECT_EQ(s.state, IngestionState::ingesting);
    EXPECT_EQ(s.reason,
              "1 consumer failed: disk full; 1 consumer dead (no heartbeat for 15 s); "
              "1 live consumer carries on");
    EXPECT_EQ(s.jobs[0].state, JobState::running);
    EXPECT_EQ(s.jobs[0].reason, std::nullopt);
    EXPECT_EQ(s.jobs[1].state, JobState::queued);
}

TEST(StallRules, NothingToReadIsNoStall) {
    IngestionStatus s = lagging_status();
    s.partitions[0].lag = 0;
    s.total_lag = 0;
    s.consumers = {consumer("d", "stopped")};
    apply_overall_state(s, {false, "g", kHeartbeatExpiry});
    EXPECT_EQ(s.state, IngestionState::idle);
    EXPECT_EQ(s.reason, std::nullopt);  // stopped cleanly, nothing waits: all is well
    EXPECT_EQ(s.jobs[0].state, JobState::running);

    apply_overall_state(s, {true, "g", kHeartbeatExpiry});  // a producer is producing
    EXPECT_EQ(s.state, IngestionState::ingesting);

    s.consumers = {consumer("a", "failed", "boom")};  // failed, but nothing waits for it
    apply_overall_state(s, {false, "g", kHeartbeatExpiry});
    EXPECT_EQ(s.state, IngestionState::idle);
    EXPECT_EQ(s.reason, "no live consumer in group 'g'; 1 consumer failed: boom");
}

TEST(StallRules, UnknownLagFallsBackOnJobsWithRowsLeft) {
    IngestionStatus s = lagging_status();
    s.partitions[0].end_offset.reset();
    s.partitions[0].lag.reset();
    s.total_lag.reset();  // Kafka could not be asked
    s.consumers = {consumer("c", "dead")};
    apply_overall_state(s, kFacts);
    EXPECT_EQ(s.state, IngestionState::stalled);
    EXPECT_EQ(s.reason,
              "no live consumer in group 'tripstream-consumer' while jobs have rows left to "
              "store; 1 consumer dead (no heartbeat for 15 s)");

    IngestionStatus done = lagging_status();
    done.total_lag.reset();
    done.jobs.erase(done.jobs.begin());  // no job with rows known to be left
    apply_overall_state(done, kFacts);
    EXPECT_EQ(done.state, IngestionState::ingesting);  // a producer produces: not idle
    EXPECT_EQ(done.jobs[0].state, JobState::queued);
}

TEST(StallRules, AJobWithAllItsRowsStoredIsNotStalled) {
    IngestionStatus s = lagging_status();
    s.jobs[0].rows_inserted = 2990;  // + 10 rejected = 3,000 sent; completion not recorded yet
    EXPECT_EQ(rows_to_store(s.jobs[0]), 0);
    EXPECT_EQ(rows_to_store(s.jobs[1]), std::nullopt);
    apply_overall_state(s, kFacts);
    EXPECT_EQ(s.state, IngestionState::stalled);
    EXPECT_EQ(s.jobs[0].state, JobState::running);
    EXPECT_EQ(s.jobs[1].state, JobState::stalled);
}

TEST(StallRules, ReasonQuotesAtMostThreeDistinctErrorsEachClipped) {
    IngestionStatus s = lagging_status();
    const std::string long_error = std::string(199, 'x') + "\u00e9tail";  // é straddles 200
    s.consumers = {consumer("a", "failed", "e1"), consumer("b", "failed", "e2"),
                   consumer("c", "failed", "e1"), consumer("d", "failed", long_error),
                   consumer("e", "failed", "e4"), consumer("f", "failed")};
    apply_overall_state(s, kFacts);
    ASSERT_TRUE(s.reason.has_value());
    EXPECT_NE(s.reason->find("6 consumers failed: e1 | e2 | " + std::string(199, 'x') +
                             "\u2026 | 2 more errors"),
              std::string::npos)
        << *s.reason;
}

TEST(StatusChanges, StallsDeathsAndReasonsAreChanges) {
    IngestionStatus before = lagging_status();
    before.consumers = {consumer("a", "running")};
    apply_overall_state(before, kFacts);
    IngestionStatus after = before;
    after.consumers[0].state = "dead";
    after.consumers[0].live = false;
    EXPECT_TRUE(status_changed(before, after));
    apply_overall_state(after, kFacts);
    EXPECT_EQ(after.state, IngestionState::stalled);
    EXPECT_TRUE(status_changed(before, after));
    IngestionStatus again = after;
    again.generated_at_us += 10 * kSecond;  // the clock alone: still the same stall
    EXPECT_FALSE(status_changed(after, again));
    again.consumers[0].error = "now it says why";
    EXPECT_TRUE(status_changed(after, again));
    EXPECT_TRUE(newly_completed_jobs(before, after).empty());
}

}  // namespace
}  // namespace tripstream::status
