// The consumer process's loop, Kafka side: group membership, partition assignment from the
// offsets stored in the database, polling, routing messages into the batch, flushing the
// batch on size or time through the BatchWriter, retrying the database with backoff.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tripstream/config.hpp"
#include "tripstream/consumer/batch_writer.hpp"
#include "tripstream/consumer/trip_batch.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/kafka/kafka_consumer.hpp"
#include "tripstream/kmeans/kmeans_model.hpp"
#include "tripstream/log.hpp"

namespace tripstream {

struct ConsumerOptions {
    std::string bootstrap_servers;
    std::string database_url;
    std::string group_id = "tripstream-consumer";
    std::string trips_topic = "trips";
    std::string dead_letter_topic = "trips.dlq";
    std::string jobs_topic = "tripstream.jobs";
    size_t batch_size = 200000;
    std::chrono::milliseconds batch_max_wait{1000};
    // Exit cleanly after this long without any message (0 = never); for tests and benchmarks.
    std::chrono::milliseconds exit_when_idle{0};
    std::string consumer_id;  // default host:pid
};

ConsumerOptions consumer_options_from(const Config& config);

struct ConsumerStats {
    std::atomic<uint64_t> trips_inserted{0};
    std::atomic<uint64_t> rows_rejected{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> unclustered{0};  // trips whose region the model lacks (or no model)
    std::atomic<uint64_t> db_retries{0};
    std::atomic<uint64_t> fenced{0};
};

class TripConsumer {
  public:
    // `model` may be null: trips are then stored without a cluster (counted as unclustered).
    TripConsumer(ConsumerOptions options, const Logger& log,
                 std::shared_ptr<const kmeans::KMeansModel> model);
    ~TripConsumer();

    // Runs until `stop` is set (then commits the current batch if the database allows, and
    // leaves the group) or until idle for exit_when_idle.
    void run(const std::atomic<bool>& stop);

    const ConsumerStats& stats() const { return stats_; }
    const std::string& id() const { return options_.consumer_id; }

  private:
    void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t* partitions);
    void assign_from_stored_offsets(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions);
    void route(const rd_kafka_message_t& message);
    void route_trip(const std::string& topic, const rd_kafka_message_t& message);
    enum class FlushOutcome { committed, fenced, abandoned };

    // Hands the batch being read to the writer thread (after collecting the previous one).
    void start_flush();
    bool flush_in_flight_ready() const;
    // Waits for the batch in flight; false if it was not committed (fenced, or abandoned on
    // stop), in which case the batch being read is dropped too and, with `resync_on_fence`,
    // the partitions are re-read from the stored offsets. Rethrows a non-retryable error.
    bool finish_flush(bool resync_on_fence);
    // Commits everything read so far before returning.
    void flush_now();
    // Writer thread: commits `batch`, retrying the database with backoff. Never leaves a
    // batch half written.
    FlushOutcome write_with_retry(const TripBatch& batch);
    void mirror_offsets_to_kafka(const TripBatch& committed);
    db::PgConnection& connection();
    void heartbeat(const char* state);
    void backoff(std::chrono::milliseconds& delay);

    ConsumerOptions options_;
    const Logger& log_;
    std::shared_ptr<const kmeans::KMeansModel> model_;
    std::unique_ptr<db::PgConnection> conn_;
    std::unique_ptr<BatchWriter> writer_;
    TripBatch batch_;    // being read (this thread)
    TripBatch writing_;  // being committed (writer thread), while in_flight_ is valid
    std::future<FlushOutcome> in_flight_;
    // Committed position of every assigned partition (stored next offset, or kNoOffset):
    // set on assignment, advanced after each commit; what each batch continues from.
    std::map<TopicPartition, int64_t> positions_;
    ConsumerStats stats_;
    std::unique_ptr<kafka::KafkaConsumer> kafka_;
    const std::atomic<bool>* stop_ = nullptr;
    std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point last_heartbeat_{};
    std::string partitions_text_ = "{}";
};

}  // namespace tripstream
