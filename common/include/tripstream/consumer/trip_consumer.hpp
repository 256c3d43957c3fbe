// The consumer process's loop, Kafka side: group membership, partition assignment from the
// offsets in the OffsetStore, polling, handing each message to the MessageRouter, and flushing
// the batch on size or time through the BatchWriter on a writer thread, retrying the database
// with backoff. The roles it wires together each live in their own file (Kafka Connect's
// sink shape): message_router (decode, validate), trip_batch (accumulate), batch_writer
// (transaction, COPY, isolation of refused rows), offset_store, consumer_registry and
// consumer_sql (every statement).
//
// What stops a consumer: a signal, or an infrastructure failure that retrying cannot fix (a
// database error that is neither transient nor about a row's content, e.g. a missing
// schema). Never a message's content. On a failure it records state 'failed' with the error
// before it exits.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tripstream/config.hpp"
#include "tripstream/consumer/batch_writer.hpp"
#include "tripstream/consumer/consumer_registry.hpp"
#include "tripstream/consumer/message_router.hpp"
#include "tripstream/consumer/offset_store.hpp"
#include "tripstream/consumer/trip_batch.hpp"
#include "tripstream/db/pg_connection.hpp"
#include "tripstream/kafka/kafka_consumer.hpp"
#include "tripstream/kmeans/kmeans_model.hpp"
#include "tripstream/log.hpp"

namespace tripstream {

struct ConsumerOptions {
    KafkaConfig kafka;  // the brokers and how to reach them (its topics are the ones below)
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
    std::atomic<uint64_t> rows_refused{0};  // of those, refused by the database (isolated)
    std::atomic<uint64_t> batches{0};
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
    // leaves the group) or until idle for exit_when_idle. Throws on an infrastructure failure
    // after recording it (state 'failed').
    void run(const std::atomic<bool>& stop);

    const ConsumerStats& stats() const { return stats_; }
    uint64_t unclustered() const { return router_.unclustered(); }
    const std::string& id() const { return options_.consumer_id; }

  private:
    enum class FlushOutcome { committed, fenced, abandoned };

    void consume(const std::atomic<bool>& stop);
    void open_writer();
    // librdkafka calls this from inside poll(): it never lets an exception through, it
    // keeps the first one in fatal_ for the loop to rethrow.
    void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t* partitions) noexcept;
    void assign_from_stored_offsets(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions);
    void unassign(rd_kafka_t* rk);
    void route(const rd_kafka_message_t& message);

    // Hands the batch being read to the writer thread (after collecting the previous one).
    void start_flush();
    bool flush_in_flight_ready() const;
    // Waits for the batch in flight; false if it was not committed (fenced, or abandoned on
    // stop), in which case the batch being read is dropped too and, with `resync_on_fence`,
    // the partitions are re-read from the stored offsets. Rethrows an infrastructure error.
    bool finish_flush(bool resync_on_fence);
    // Commits everything read so far before returning.
    void flush_now();
    // Writer thread: commits `batch`, retrying the database with backoff. Never leaves a
    // batch half written.
    FlushOutcome write_with_retry(const TripBatch& batch);
    void mirror_offsets_to_kafka(const TripBatch& committed);
    void record_state(ConsumerState state, const std::string& error = "");
    void backoff(std::chrono::milliseconds& delay);

    ConsumerOptions options_;
    const Logger& log_;
    std::shared_ptr<const kmeans::KMeansModel> model_;
    MessageRouter router_;
    PgOffsetStore offsets_;
    ConsumerRegistry registry_;
    std::unique_ptr<db::PgConnection> writer_conn_;  // the writer thread's while in flight
    std::optional<BatchWriter> writer_;
    TripBatch batch_;    // being read (this thread)
    TripBatch writing_;  // being committed (writer thread), while in_flight_ is valid
    std::future<FlushOutcome> in_flight_;
    // Committed position of every assigned partition (stored next offset, or kNoOffset):
    // set on assignment, advanced after each commit; what each batch continues from.
    std::map<TopicPartition, int64_t> positions_;
    ConsumerStats stats_;
    const std::atomic<bool>* stop_ = nullptr;
    // The first infrastructure failure: set inside a librdkafka callback and rethrown by the
    // loop, or set by run() before the Kafka handle closes. Once set, a rebalance gives the
    // partitions back without committing anything.
    std::exception_ptr fatal_;
    std::string partitions_text_ = "{}";
    // Last, so it is destroyed first: closing it runs the rebalance handler, which uses the
    // members above.
    std::unique_ptr<kafka::KafkaConsumer> kafka_;
};

}  // namespace tripstream
