#include "tripstream/consumer/trip_consumer.hpp"

#include <unistd.h>

#include <thread>

#include "tripstream/csv/trip_row_parser.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

constexpr auto kHeartbeatEvery = 5s;
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

std::string default_consumer_id() {
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    return std::string(host) + ":" + std::to_string(getpid());
}

// A printable excerpt of a binary message for the rejected-rows table.
std::string hex_excerpt(const rd_kafka_message_t& m) {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto* bytes = static_cast<const unsigned char*>(m.payload);
    const size_t n = std::min<size_t>(m.len, 128);
    std::string out = "hex:";
    for (size_t i = 0; i < n; ++i) {
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0xF]);
    }
    if (m.len > n) out += "...";
    return out;
}

std::string_view payload(const rd_kafka_message_t& m) {
    return {static_cast<const char*>(m.payload), m.len};
}

}  // namespace

ConsumerOptions consumer_options_from(const Config& config) {
    ConsumerOptions o;
    o.bootstrap_servers = config.kafka.bootstrap_servers;
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
    : options_(std::move(options)), log_(log), model_(std::move(model)) {
    if (options_.consumer_id.empty()) options_.consumer_id = default_consumer_id();
}

TripConsumer::~TripConsumer() = default;

db::PgConnection& TripConsumer::connection() {
    if (conn_ && conn_->healthy()) return *conn_;
    conn_.reset();
    conn_ = std::make_unique<db::PgConnection>(options_.database_url,
                                               "tripstream-consumer " + options_.consumer_id);
    if (!writer_) {
        WriterIdentity identity{options_.group_id, options_.consumer_id, -1};
        if (model_) {
            DimensionCache dims;
            identity.model_id = dims.model_id(*conn_, model_->version());
        }
        writer_ = std::make_unique<BatchWriter>(identity);
    }
    return *conn_;
}

void TripConsumer::backoff(std::chrono::milliseconds& delay) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until && !stop_->load()) {
        std::this_thread::sleep_for(50ms);
    }
    delay = std::min(delay * 2, kMaxBackoff);
}

void TripConsumer::run(const std::atomic<bool>& stop) {
    stop_ = &stop;
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
        options_.bootstrap_servers, options_.group_id, props,
        [this](rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
            on_rebalance(rk, err, parts);
        });
    kafka_->subscribe({options_.trips_topic, options_.dead_letter_topic, options_.jobs_topic});
    log_.info(cat("consumer ", options_.consumer_id, " joined group ", options_.group_id, " on ",
                  options_.trips_topic, ", ", options_.dead_letter_topic, ", ", options_.jobs_topic,
                  " (batch ", options_.batch_size, " rows or ", options_.batch_max_wait.count(),
                  " ms)"));
    auto last_message = std::chrono::steady_clock::now();
    while (!stop.load()) {
        if (auto m = kafka_->poll(100ms)) {
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                route(*m);
                last_message = std::chrono::steady_clock::now();
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log_.warn(cat(
                    "kafka: ",
                    m->rkt ? kafka::describe(rd_kafka_topic_name(m->rkt), m->partition, m->offset)
                           : std::string("consumer"),
                    ": ", rd_kafka_message_errstr(m.get())));
            }
        }
        if (flush_in_flight_ready()) finish_flush(true);
        if (batch_.messages() >= options_.batch_size ||
            (!batch_.empty() && batch_.age() >= options_.batch_max_wait)) {
            start_flush();
        }
        const auto now = std::chrono::steady_clock::now();
        if (options_.exit_when_idle.count() > 0 && batch_.empty() && !in_flight_.valid() &&
            now - last_message >= options_.exit_when_idle) {
            log_.info("idle: no message for the configured time, exiting");
            break;
        }
        if (!in_flight_.valid() && now - last_heartbeat_ >= kHeartbeatEvery) {
            heartbeat("running");
        }
    }
    flush_now();      // the batch in flight, then the one being read
    kafka_->close();  // leaves the group now, so the others take over at once
    heartbeat("stopped");
    log_.info(cat("consumer ", options_.consumer_id, " stopped: ", stats_.trips_inserted.load(),
                  " trips inserted, ", stats_.rows_rejected.load(), " rows rejected, ",
                  stats_.batches.load(), " batches, ", stats_.unclustered.load(),
                  " trips without a cluster"));
}

void TripConsumer::route(const rd_kafka_message_t& m) {
    const std::string topic = rd_kafka_topic_name(m.rkt);
    const auto position = positions_.find({topic, m.partition});
    batch_.note_offset(topic, m.partition, m.offset,
                       position == positions_.end() ? kNoOffset : position->second);
    if (topic == options_.trips_topic) {
        route_trip(topic, m);
        return;
    }
    BatchRejection rejection;
    rejection.topic = topic;
    rejection.partition = m.partition;
    rejection.offset = m.offset;
    try {
        const auto json = nlohmann::json::parse(payload(m));
        if (topic == options_.jobs_topic) {
            batch_.add_job(job_record_from_json(json));
            return;
        }
        const RejectedRow row = rejected_row_from_json(json);
        rejection.has_job = parse_job_id(row.job_id, rejection.job_id);
        rejection.stage = "producer";
        rejection.source = row.source;
        rejection.line = row.line;
        rejection.reason = row.reason;
        rejection.raw = row.raw;
    } catch (const std::exception& e) {
        // A poison message is recorded and passed over, never retried forever.
        rejection.stage = "consumer";
        rejection.reason = std::string("undecodable message: ") + e.what();
        rejection.raw = std::string(payload(m).substr(0, 4096));
        log_.warn(cat(kafka::describe(topic, m.partition, m.offset), ": ", rejection.reason));
    }
    batch_.add_rejection(std::move(rejection));
}

void TripConsumer::route_trip(const std::string& topic, const rd_kafka_message_t& m) {
    BatchTrip& t = batch_.add_trip();
    std::string reason;
    RowError error;
    const bool decoded = decode_trip_message(payload(m), t.message, reason);
    if (decoded && validate_trip(t.message.trip, error)) {
        t.partition = m.partition;
        t.cluster_id = -1;
        if (model_) {
            if (auto cluster = model_->assign(t.message.trip))
                t.cluster_id = static_cast<int16_t>(*cluster);
        }
        if (t.cluster_id < 0) stats_.unclustered.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    BatchRejection rejection;
    rejection.has_job = decoded;
    rejection.job_id = t.message.job_id;
    rejection.line = decoded ? t.message.line : 0;
    rejection.stage = "consumer";
    rejection.reason = decoded ? error.reason() : "undecodable message: " + reason;
    rejection.raw = hex_excerpt(m);
    rejection.topic = topic;
    rejection.partition = m.partition;
    rejection.offset = m.offset;
    batch_.drop_last_trip();
    batch_.add_rejection(std::move(rejection));
}

// Pipelining: while the writer thread commits one batch, this thread reads and decodes the
// next. The next batch continues from the in-flight batch's end (positions_ advance when a
// batch is handed over); if that batch then fails its offset check, both are dropped and
// the partitions re-read from the stored offsets. The connection and writer belong to the
// writer thread while a batch is in flight; this thread uses them only after finish_flush().
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
    const FlushOutcome outcome = in_flight_.get();  // rethrows a non-retryable error
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
        if (rd_kafka_assignment(kafka_->handle(), &current) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            kafka::TopicPartitionListPtr owned(current);
            assign_from_stored_offsets(kafka_->handle(), current);
        }
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
            db::PgConnection& conn = connection();  // creates the writer on first use
            const WriteResult r = writer_->write(conn, batch);
            stats_.trips_inserted += r.trips_inserted;
            stats_.rows_rejected += r.rows_rejected;
            ++stats_.batches;
            const double ms = std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - started)
                                  .count();
            log_.debug(cat("committed batch: ", r.trips_inserted, " trips, ", r.rows_rejected,
                           " rejected, ", r.aggregate_rows, " aggregate rows, ", ms, " ms"));
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
            conn_.reset();
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

void TripConsumer::assign_from_stored_offsets(rd_kafka_t* rk,
                                              rd_kafka_topic_partition_list_t* partitions) {
    auto delay = std::chrono::milliseconds(200);
    for (;;) {
        try {
            const db::PgResult stored = connection().exec(
                "SELECT topic, kafka_partition, next_offset FROM tripstream.kafka_offsets"
                " WHERE consumer_group = $1",
                {options_.group_id});
            positions_.clear();
            for (int i = 0; i < partitions->cnt; ++i) {
                rd_kafka_topic_partition_t& tp = partitions->elems[i];
                int64_t position = kNoOffset;
                for (int r = 0; r < PQntuples(stored.get()); ++r) {
                    if (tp.topic == std::string_view(PQgetvalue(stored.get(), r, 0)) &&
                        tp.partition == std::stoi(PQgetvalue(stored.get(), r, 1))) {
                        position = std::stoll(PQgetvalue(stored.get(), r, 2));
                    }
                }
                // A stored offset that retention or compaction removed is out of range:
                // auto.offset.reset=earliest then starts at the first message that exists.
                tp.offset = position >= 0 ? position : RD_KAFKA_OFFSET_BEGINNING;
                positions_[{tp.topic, tp.partition}] = position;
            }
            break;
        } catch (const db::PgError& e) {
            if (!e.retryable()) throw;
            conn_.reset();
            log_.warn(cat("cannot read stored offsets, retrying: ", e.what()));
            if (stop_ != nullptr && stop_->load()) {
                rd_kafka_assign(rk, nullptr);
                return;
            }
            backoff(delay);
        }
    }
    batch_.clear();
    if (auto err = rd_kafka_assign(rk, partitions)) {
        log_.error(cat("assign failed: ", rd_kafka_err2str(err)));
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
                                rd_kafka_topic_partition_list_t* partitions) {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        finish_flush(false);
        assign_from_stored_offsets(rk, partitions);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        // Commit what we read while we still own it; if that fails, the new owner re-reads.
        if (finish_flush(false) && !batch_.empty()) {
            start_flush();
            finish_flush(false);
        }
    } else {
        finish_flush(false);
    }
    batch_.clear();
    positions_.clear();
    rd_kafka_assign(rk, nullptr);
    partitions_text_ = "{}";
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        log_.warn(cat("rebalance error: ", rd_kafka_err2str(err)));
    }
}

void TripConsumer::heartbeat(const char* state) {
    last_heartbeat_ = std::chrono::steady_clock::now();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::system_clock::now() - started_).count();
    try {
        connection().exec(
            "INSERT INTO tripstream.consumers AS c (consumer_id, consumer_group, started_at,"
            " last_heartbeat, partitions, rows_inserted, rows_rejected, batches, rows_per_second,"
            " state) VALUES ($1, $2, to_timestamp($3::double precision), now(), $4::int[], $5, $6,"
            " $7, $8, $9) ON CONFLICT (consumer_id) DO UPDATE SET last_heartbeat = now(),"
            " partitions = EXCLUDED.partitions, rows_inserted = EXCLUDED.rows_inserted,"
            " rows_rejected = EXCLUDED.rows_rejected, batches = EXCLUDED.batches,"
            " rows_per_second = EXCLUDED.rows_per_second, state = EXCLUDED.state",
            {options_.consumer_id, options_.group_id,
             std::to_string(std::chrono::duration<double>(started_.time_since_epoch()).count()),
             partitions_text_, std::to_string(stats_.trips_inserted.load()),
             std::to_string(stats_.rows_rejected.load()), std::to_string(stats_.batches.load()),
             std::to_string(
                 elapsed > 0 ? static_cast<double>(stats_.trips_inserted.load()) / elapsed : 0),
             std::string(state)});
    } catch (const db::PgError& e) {
        conn_.reset();
        log_.debug(cat("heartbeat not recorded: ", e.what()));
    }
}

}  // namespace tripstream
