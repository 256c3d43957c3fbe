// The producer's job: stream rows from a TripSource to the trips topic, rejected rows to the
// dead-letter topic, and the job's record to the jobs topic; never report success for a row
// the broker did not acknowledge. Its messages are counted in a tally of its own, so several
// TripProducers (one per job, each on its own thread) may share one KafkaProducer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tripstream/jobs/job_record.hpp"
#include "tripstream/kafka/kafka_producer.hpp"
#include "tripstream/message/trip_message.hpp"
#include "tripstream/producer/trip_source.hpp"

namespace tripstream {

struct ProducerOptions {
    std::string topic = "trips";
    std::string dead_letter_topic = "trips.dlq";
    std::string jobs_topic = "tripstream.jobs";
    JobId job_id{};
    uint64_t num_messages = 0;  // accepted rows to send, cycling the input; 0 = one pass
    uint64_t rate_limit = 0;    // rows per second, 0 = unlimited
    int partitions = 1;         // of the trips topic
    // Consecutive rows go to the same partition in blocks of this size, round robin: exact
    // balance across partitions and full batches for the broker.
    uint32_t partition_block = 1024;
    std::chrono::milliseconds flush_timeout = std::chrono::minutes(2);
};

struct ProducerSummary {
    std::string job_id;
    std::string source;
    uint64_t rows_sent = 0;      // acknowledged on the trips topic
    uint64_t rows_rejected = 0;  // acknowledged on the dead-letter topic
    uint64_t rows_failed = 0;    // trips or rejections the broker did not acknowledge
    uint64_t passes = 0;         // passes over the input
    double seconds = 0;
    bool interrupted = false;
    std::string error;

    bool ok() const { return rows_failed == 0 && error.empty(); }
    nlohmann::json to_json() const;
};

class TripProducer {
  public:
    // Message kinds, for the delivery counters of the job's tally.
    static constexpr int kTripKind = 0;
    static constexpr int kRejectKind = 1;
    static constexpr int kJobKind = 2;

    TripProducer(kafka::KafkaProducer& kafka, ProducerOptions options);
    ~TripProducer();
    TripProducer(const TripProducer&) = delete;
    TripProducer& operator=(const TripProducer&) = delete;

    // Runs to the end of the input (or num_messages), or until `stop` becomes true.
    ProducerSummary run(TripSource& source, const std::atomic<bool>& stop);

    // Live counters for progress reporting (any thread).
    uint64_t rows_enqueued() const { return enqueued_.load(std::memory_order_relaxed); }
    uint64_t rows_rejected() const { return rejected_.load(std::memory_order_relaxed); }
    uint64_t target() const { return options_.num_messages; }

  private:
    void send_trip(const Trip& trip, uint64_t line);
    void send_rejection(const SourceRow& row, const std::string& source);
    void publish_job(const JobRecord& job);
    void pace(std::chrono::steady_clock::time_point started);
    void count_deliveries(ProducerSummary& summary);

    kafka::KafkaProducer& kafka_;
    // Shared: the KafkaProducer keeps it when this job ends with messages still unreported.
    std::shared_ptr<kafka::DeliveryTally> tally_ = std::make_shared<kafka::DeliveryTally>();
    ProducerOptions options_;
    std::string job_id_text_;
    kafka::TopicPtr trips_;
    kafka::TopicPtr dead_letters_;
    kafka::TopicPtr jobs_;
    std::string buffer_;
    std::atomic<uint64_t> enqueued_{0};
    std::atomic<uint64_t> rejected_{0};
};

}  // namespace tripstream
