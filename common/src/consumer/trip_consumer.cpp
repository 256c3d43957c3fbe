#include "tripstream/consumer/trip_consumer.hpp"

#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace tripstream {
namespace {

using namespace std::chrono_literals;

constexpr auto kHeartbeatEvery = 5s;
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

ConsumerOptions with_default_id(ConsumerOptions o) {
    if (o.consumer_id.empty()) {
        char host[256] = "unknown";
        gethostname(host, sizeof host - 1);
        o.consumer_id = std::string(host) + ":" + std::to_string(getpid());
    }
    return o;
}

std::string_view payload(const rd_kafka_message_t& m) {
    return {static_cast<const char*>(m.payload), m.len};
}

}  // namespace

ConsumerOptions consumer_options_from(const Config& config) {
    ConsumerOptions o;
    o.kafka = config.kafka;
    o.database_url = config.database.url;
    o.group_id = config.consumer.group_id;
    o.trips_topic = config.kafka.topic;
    o.dead_letter_topic = config.kafka.dead_letter_topic;
    o.jobs_topic = config.kafka.jobs_topic;
    o.batch_size = static_cast<size_t>(config.consumer.batch_size);
    o.batch_max_wait = std::chrono::milliseconds(config.consumer.batch_max_wait_ms);
    return o;
}

TripConsumer::TripConsumer(ConsumerOptions options, const Logger& log,
                           std::shared_ptr<const kmeans::KMeansModel> model)
    : options_(with_default_id(std::move(options))),
      log_(log),
      model_(model),
      router_({options_.trips_topic, options_.dead_letter_topic, options_.jobs_topic},
              std::move(model)),
      offsets_(options_.database_url, options_.group_id,
               "tripstream-consumer " + options_.consumer_id),
      registry_(options_.database_url, options_.consumer_id, options_.group_id, log) {}

TripConsumer::~TripConsumer() {
    // A batch still in flight (only after a failure) must finish before its members go, and
    // the handle must close (running the rebalance handler) while they still exist.
    if (in_flight_.valid()) in_flight_.wait();
    if (!fatal_) fatal_ = std::make_exception_ptr(std::runtime_error("consumer destroyed"));
    kafka_.reset();
}

void TripConsumer::backoff(std::chrono::milliseconds& delay) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until && !stop_->load()) {
        std::this_thread::sleep_for(50ms);
    }
    delay = std::min(delay * 2, kMaxBackoff);
}

void TripConsumer::record_state(ConsumerState state, const std::string& error) {
    registry_.record(state,
                     {partitions_text_, stats_.trips_inserted.load(), stats_.rows_rejected.load(),
                      stats_.batches.load()},
                     error);
}

// The writer needs the model's id, so it is created once the database answers (retried with
// backoff, like every database call of the consumer).
void TripConsumer::open_writer() {
    auto delay = std::chrono::milliseconds(200);
    while (!writer_) {
        try {
            writer_conn_ = std::make_unique<db::PgConnection>(
                options_.database_url, "tripstream-consumer " + options_.consumer_id);
            WriterIdentity identity{options_.group_id, options_.consumer_id, options_.trips_topic,
                                    -1};
            BatchWriter writer(identity);
            if (model_)
                identity.model_id = writer.dimensions().model_id(*writer_conn_, model_->version());
            writer_.emplace(identity);
        } catch (const db::PgError& e) {
            if (!e.retryable()) throw;
            writer_conn_.reset();
            if (stop_->load()) return;
            log_.warn(cat("database unavailable, retrying in ", delay.count(), " ms: ", e.what()));
            backoff(delay);
        }
    }
}

void TripConsumer::run(const std::atomic<bool>& stop) {
    stop_ = &stop;
    try {
        consume(stop);
    } catch (const std::exception& e) {
        log_.error(cat("consumer ", options_.consumer_id, " failed: ", e.what()));
        if (!fatal_) fatal_ = std::current_exception();
        if (in_flight_.valid()) in_flight_.wait();
        kafka_.reset();  // leaves the group (committing nothing), so the others take over
        record_state(ConsumerState::failed, e.what());
        throw;
    }
}

void TripConsumer::consume(const std::atomic<bool>& stop) {
    open_writer();
    if (!writer_) return;  // stopped while the database was away
    kafka::Properties props = {
        {"partition.assignment.strategy", "roundrobin"},
        // A consumer killed with SIGKILL is noticed within 10 s and its partitions move on.
        {"session.timeout.ms", "10000"},
        {"heartbeat.interval.ms", "1000"},
        {"max.poll.interval.ms", "300000"},
        {"fetch.max.bytes", "52428800"},
        {"queued.min.messages", "200000"},
    };
    kafka_ = std::make_unique<kafka::KafkaConsumer>(
        options_.kafka, options_.group_id, props,
        [this](rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
            on_rebalance(rk, err, parts);
        });
    kafka_->subscribe({options_.trips_topic, options_.dead_letter_topic, options_.jobs_topic});
    log_.info(cat("consumer ", options_.consumer_id, " joined group ", options_.group_id, " on ",
                  options_.trips_topic, ", ", options_.dead_letter_topic, ", ", options_.jobs_topic,
                  " (batch ", options_.batch_size, " rows or ", options_.batch_max_wait.count(),
                  " ms)"));
    record_state(ConsumerState::running);
    auto last_message = std::chrono::steady_clock::now();
    bool joined = false;  // partitions assigned (or a message read) at least once
    while (!stop.load()) {
        bool routed = false;
        if (auto m = kafka_->poll(100ms)) {
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                route(*m);
                routed = true;
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log_.warn(cat(
                    "kafka: ",
                    m->rkt ? kafka::describe(rd_kafka_topic_name(m->rkt), m->partition, m->offset)
                           : std::string("consumer"),
                    ": ", rd_kafka_message_errstr(m.get())));
            }
        }
        if (fatal_) std::rethrow_exception(fatal_);
        // Until the group has given this consumer partitions once, a refused login or TLS
        // handshake means wrong credentials or a wrong CA, which librdkafka would retry for
        // ever: stop with the reason. Later it is a broker restarting mid-handshake, which
        // librdkafka rides out (the other brokers serve meanwhile).
        if (!joined) {
            joined = routed || !positions_.empty();
            if (!joined && kafka_->refused()) {
                throw kafka::KafkaError("the brokers refused this consumer: " +
                                        kafka_->refusal().value_or(""));
            }
        }
        // One clock reading per message serves every check below: on this loop's hot path
        // (once per message) the clock is a measurable share of the consumer's CPU.
        const auto now = std::chrono::steady_clock::now();
        if (routed) last_message = now;
        if (flush_in_flight_ready()) finish_flush(true);
        if (batch_.messages() >= options_.batch_size ||
            (!batch_.empty() && batch_.age(now) >= options_.batch_max_wait)) {
            start_flush();
        }
        if (options_.exit_when_idle.count() > 0 && batch_.empty() && !in_flight_.valid() &&
            now - last_message >= options_.exit_when_idle) {
            log_.info("idle: no message for the configured time, exiting");
            break;
        }
        if (registry_.since_last_record(now) >= kHeartbeatEvery) {
            record_state(ConsumerState::running);
        }
    }
    flush_now();  // the batch in flight, then the one being read
    // Leaves the group now, so the others take over at once.
    if (const auto err = kafka_->close()) {
        log_.warn(cat("leaving the consumer group: ", rd_kafka_err2str(err)));
    }
    if (fatal_) std::rethrow_exception(fatal_);
    record_state(ConsumerState::stopped);
    log_.info(cat("consumer ", options_.consumer_id, " stopped: ", stats_.trips_inserted.load(),
                  " trips inserted, ", stats_.rows_rejected.load(), " rows rejected (",
                  stats_.rows_refused.load(), " refused by the database), ", stats_.batches.load(),
                  " batches, ", router_.unclustered(), " trips without a cluster"));
}

void TripConsumer::route(const rd_kafka_message_t& m) {
    const std::string_view topic = rd_kafka_topic_name(m.rkt);
    // Only a partition's first message in a batch needs the position the batch continues
    // from (and a key string to find it); the others, nearly all, are noted without either.
    if (!batch_.note_next_offset(topic, m.partition, m.offset)) {
        const TopicPartition key{std::string(topic), m.partition};
        const auto position = positions_.find(key);
        batch_.note_offset(key.first, m.partition, m.offset,
                           position == positions_.end() ? kNoOffset : position->second);
    }
    router_.route({topic, m.partition, m.offset, payload(m)}, batch_);
}

// Pipelining: while the writer thread commits one batch, this thread reads and decodes the
// next. The next batch continues from the in-flight batch's end (positions_ advance when a
// batch is handed over); if that batch then fails its offset check, both are dropped and
// the partitions re-read from the stored offsets. The writer's connection belongs to the
// writer thread while a batch is in flight; offsets and heartbeats use connections of their
// own.
void TripConsumer::start_flush() {
    if (!finish_flush(true) || batch_.empty()) return;
    for (const auto& [tp, range] : batch_.offsets())
        positions_[tp] = range.next;
    std::swap(batch_, writing_);
    batch_.clear();
    in_flight_ = std::async(std::launch::async, [this] { return write_with_retry(writing_); });
}

bool TripConsumer::flush_in_flight_ready() const {
    return in_flight_.valid() &&
           in_flight_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

bool TripConsumer::finish_flush(bool resync_on_fence) {
    if (!in_flight_.valid()) return true;
    const FlushOutcome outcome = in_flight_.get();  // rethrows an infrastructure error
    if (outcome == FlushOutcome::committed) {
        mirror_offsets_to_kafka(writing_);
        writing_.clear();
        return true;
    }
    // The batch read after it continues from an uncommitted position: drop it too.
    writing_.clear();
    batch_.clear();
    if (outcome == FlushOutcome::fenced && resync_on_fence && kafka_) {
        rd_kafka_topic_partition_list_t* current = nullptr;
        const auto err = rd_kafka_assignment(kafka_->handle(), &current);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            log_.error(cat("reading the assignment to re-read it: ", rd_kafka_err2str(err)));
            return false;
        }
        kafka::TopicPartitionListPtr owned(current);
        assign_from_stored_offsets(kafka_->handle(), current);
    }
    return false;
}

void TripConsumer::flush_now() {
    start_flush();
    finish_flush(true);
}

TripConsumer::FlushOutcome TripConsumer::write_with_retry(const TripBatch& batch) {
    auto delay = std::chrono::milliseconds(200);
    for (int attempt = 1;; ++attempt) {
        try {
            const auto started = std::chrono::steady_clock::now();
            if (!writer_conn_ || !writer_conn_->healthy()) {
                writer_conn_.reset();
                writer_conn_ = std::make_unique<db::PgConnection>(
                    options_.database_url, "tripstream-consumer " + options_.consumer_id);
            }
            const WriteResult r = writer_->write(*writer_conn_, batch);
            stats_.trips_inserted += r.trips_inserted;
            stats_.rows_rejected += r.rows_rejected;
            stats_.rows_refused += r.rows_refused;
            ++stats_.batches;
            const double ms = std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - started)
                                  .count();
            log_.debug(cat("committed batch: ", r.trips_inserted, " trips, ", r.rows_rejected,
                           " rejected, ", r.aggregate_rows, " aggregate rows, ", ms, " ms"));
            if (r.rows_refused > 0) {
                log_.warn(cat("batch committed without ", r.rows_refused,
                              " row(s) the database refused; they are in rejected_rows"));
            }
            for (const auto& job : r.completed_jobs)
                log_.info(cat("job ", job, " completed"));
            return FlushOutcome::committed;
        } catch (const FencedError& e) {
            ++stats_.fenced;
            log_.warn(cat("batch abandoned, re-reading from the stored offsets: ", e.what()));
            return FlushOutcome::fenced;
        } catch (const db::PgError& e) {
            if (!e.retryable()) throw;
            ++stats_.db_retries;
            writer_conn_.reset();
            if (stop_ != nullptr && stop_->load()) {
                log_.warn(
                    cat("stopping while the database is unavailable: the uncommitted batch "
                        "of ",
                        batch.messages(), " messages is left to be re-read (", e.what(), ")"));
                return FlushOutcome::abandoned;
            }
            log_.warn(cat("database unavailable (attempt ", attempt, "), retrying in ",
                          delay.count(), " ms: ", e.what()));
            backoff(delay);
        }
    }
}

// The database holds the offsets that count; a copy in Kafka (asynchronous, never read back)
// lets standard tools (kafka-consumer-groups, kafka-ui, KEDA's lag scaler) see the lag.
void TripConsumer::mirror_offsets_to_kafka(const TripBatch& committed) {
    if (!kafka_ || committed.offsets().empty()) return;
    kafka::TopicPartitionListPtr list(
        rd_kafka_topic_partition_list_new(static_cast<int>(committed.offsets().size())));
    for (const auto& [tp, range] : committed.offsets()) {
        rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset =
            range.next;
    }
    if (auto err = rd_kafka_commit(kafka_->handle(), list.get(), 1)) {
        log_.debug(cat("offset mirror to Kafka not sent: ", rd_kafka_err2str(err)));
    }
}

void TripConsumer::unassign(rd_kafka_t* rk) {
    batch_.clear();
    positions_.clear();
    partitions_text_ = "{}";
    if (const auto err = rd_kafka_assign(rk, nullptr)) {
        log_.error(cat("giving up the partitions: ", rd_kafka_err2str(err)));
    }
}

void TripConsumer::assign_from_stored_offsets(rd_kafka_t* rk,
                                              rd_kafka_topic_partition_list_t* partitions) {
    std::vector<TopicPartition> wanted;
    for (int i = 0; i < partitions->cnt; ++i)
        wanted.emplace_back(partitions->elems[i].topic, partitions->elems[i].partition);
    std::map<TopicPartition, int64_t> stored;
    auto delay = std::chrono::milliseconds(200);
    for (;;) {
        try {
            stored = offsets_.committed(wanted);
            break;
        } catch (const db::PgError& e) {
            if (!e.retryable()) throw;
            log_.warn(cat("cannot read stored offsets, retrying: ", e.what()));
            if (stop_ != nullptr && stop_->load()) {
                unassign(rk);
                return;
            }
            backoff(delay);
        }
    }
    positions_.clear();
    for (int i = 0; i < partitions->cnt; ++i) {
        rd_kafka_topic_partition_t& tp = partitions->elems[i];
        const int64_t position = stored[{tp.topic, tp.partition}];
        // A stored offset that retention or compaction removed is out of range:
        // auto.offset.reset=earliest then starts at the first message that exists.
        tp.offset = position >= 0 ? position : RD_KAFKA_OFFSET_BEGINNING;
        positions_[{tp.topic, tp.partition}] = position;
    }
    batch_.clear();
    if (const auto err = rd_kafka_assign(rk, partitions)) {
        throw kafka::KafkaError(
            cat("assigning ", partitions->cnt, " partitions: ", rd_kafka_err2str(err)));
    }
    std::vector<int32_t> mine;
    for (int i = 0; i < partitions->cnt; ++i) {
        if (partitions->elems[i].topic == options_.trips_topic)
            mine.push_back(partitions->elems[i].partition);
    }
    partitions_text_ = db::int_array(mine);
    log_.info(
        cat("assigned ", partitions->cnt, " partitions; trips partitions ", partitions_text_));
}

void TripConsumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions) noexcept {
    try {
        if (fatal_) {  // failing: hold nothing, commit nothing, let the others take over
            unassign(rk);
            return;
        }
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            finish_flush(false);
            assign_from_stored_offsets(rk, partitions);
            return;
        }
        if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
            // Commit what we read while we still own it; if that fails, the new owner
            // re-reads.
            if (finish_flush(false) && !batch_.empty()) {
                start_flush();
                finish_flush(false);
            }
        } else {
            finish_flush(false);
            log_.warn(cat("rebalance error: ", rd_kafka_err2str(err)));
        }
        unassign(rk);
    } catch (...) {
        if (!fatal_) fatal_ = std::current_exception();
        try {
            unassign(rk);
        } catch (...) {
        }
    }
}

}  // namespace tripstream
