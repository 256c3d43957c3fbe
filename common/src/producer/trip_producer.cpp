#include "tripstream/producer/trip_producer.hpp"

#include <thread>

namespace tripstream {
namespace {

constexpr uint64_t kPollEvery = 1024;  // serve delivery reports every this many rows

}  // namespace

nlohmann::json ProducerSummary::to_json() const {
    return {{"job_id", job_id},
            {"source", source},
            {"rows_sent", rows_sent},
            {"rows_rejected", rows_rejected},
            {"rows_failed", rows_failed},
            {"passes", passes},
            {"seconds", seconds},
            {"rows_per_second", seconds > 0 ? static_cast<double>(rows_sent) / seconds : 0.0},
            {"interrupted", interrupted},
            {"ok", ok()},
            {"error", error}};
}

TripProducer::TripProducer(kafka::KafkaProducer& kafka, ProducerOptions options)
    : kafka_(kafka),
      options_(std::move(options)),
      job_id_text_(job_id_to_string(options_.job_id)),
      trips_(kafka_.topic(options_.topic)),
      dead_letters_(kafka_.topic(options_.dead_letter_topic)),
      jobs_(kafka_.topic(options_.jobs_topic)) {
    if (options_.partitions < 1) options_.partitions = 1;
    if (options_.partition_block < 1) options_.partition_block = 1;
}

TripProducer::~TripProducer() {
    // Reports of messages still in flight must find their tally alive.
    if (tally_->pending() > 0) kafka_.retain(std::move(tally_));
}

void TripProducer::send_trip(const Trip& trip, uint64_t line) {
    buffer_.clear();
    encode_trip_message(buffer_, options_.job_id, line, trip);
    const uint64_t n = enqueued_.load(std::memory_order_relaxed);
    const auto partition = static_cast<int32_t>((n / options_.partition_block) %
                                                static_cast<uint64_t>(options_.partitions));
    kafka_.produce(trips_.get(), partition, {}, buffer_, *tally_, kTripKind);
    enqueued_.store(n + 1, std::memory_order_relaxed);
}

void TripProducer::send_rejection(const SourceRow& row, const std::string& source) {
    const RejectedRow rejected{job_id_text_,         source,        row.line, row.error.reason(),
                               std::string(row.raw), row.raw_length};
    kafka_.produce(dead_letters_.get(), -1, job_id_text_, to_json(rejected).dump(), *tally_,
                   kRejectKind);
    rejected_.fetch_add(1, std::memory_order_relaxed);
}

void TripProducer::publish_job(const JobRecord& job) {
    kafka_.produce(jobs_.get(), -1, job.job_id, to_json(job).dump(), *tally_, kJobKind);
}

// Sleeps while ahead of the configured rate.
void TripProducer::pace(std::chrono::steady_clock::time_point started) {
    if (options_.rate_limit == 0) return;
    const double due_s = static_cast<double>(rows_enqueued() + rows_rejected()) /
                         static_cast<double>(options_.rate_limit);
    const auto due = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(due_s));
    while (std::chrono::steady_clock::now() < due) {
        kafka_.poll();
        std::this_thread::sleep_until(
            std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
    }
}

// Waits for this job's messages (not the other jobs' on the same KafkaProducer) and counts
// what the broker acknowledged.
void TripProducer::count_deliveries(ProducerSummary& summary) {
    if (!kafka_.wait_for(*tally_, options_.flush_timeout) && summary.error.empty()) {
        summary.error = "timed out waiting for the broker to acknowledge every message";
    }
    const auto trips = tally_->stats(kTripKind);
    const auto rejects = tally_->stats(kRejectKind);
    summary.rows_sent = trips.delivered;
    summary.rows_rejected = rejects.delivered;
    summary.rows_failed =
        (trips.produced - trips.delivered) + (rejects.produced - rejects.delivered);
    if (summary.rows_failed > 0 && summary.error.empty()) {
        summary.error = std::to_string(summary.rows_failed) +
                        " message(s) not acknowledged; first error: " + trips.first_error;
    }
}

ProducerSummary TripProducer::run(TripSource& source, const std::atomic<bool>& stop) {
    const auto started = std::chrono::steady_clock::now();
    JobRecord job;
    job.job_id = job_id_text_;
    job.source = source.name();
    job.started_at_us = now_micros();
    publish_job(job);

    ProducerSummary summary;
    summary.job_id = job_id_text_;
    summary.source = job.source;
    summary.passes = 1;
    Trip trip;
    SourceRow row;
    uint64_t accepted_this_pass = 0;
    uint64_t rows = 0;
    const uint64_t target = options_.num_messages;
    try {
        while (!(target > 0 && rows_enqueued() >= target)) {
            if (++rows % kPollEvery == 0) {
                kafka_.poll();
                if (stop.load(std::memory_order_relaxed)) break;
                pace(started);
            }
            if (!source.next(trip, row)) {
                // End of a pass: cycle while NUM_MESSAGES asks for more and the input has
                // produced at least one good row (else cycling would never end).
                if (target == 0 || accepted_this_pass == 0) break;
                if (!source.rewind()) {
                    summary.error = "input " + source.name() + " cannot be re-read to reach " +
                                    std::to_string(target) + " messages";
                    break;
                }
                accepted_this_pass = 0;
                ++summary.passes;
                continue;
            }
            if (row.ok) {
                send_trip(trip, row.line);
                ++accepted_this_pass;
            } else {
                send_rejection(row, source.name());
            }
        }
    } catch (const std::exception& e) {
        summary.error = e.what();
    }
    summary.interrupted = stop.load();

    count_deliveries(summary);

    job.finished_at_us = now_micros();
    job.rows_sent = summary.rows_sent;
    job.rows_rejected = summary.rows_rejected;
    job.rows_failed = summary.rows_failed;
    job.error = summary.error;
    job.state = !summary.ok()         ? ProducerState::failed
                : summary.interrupted ? ProducerState::interrupted
                                      : ProducerState::produced;
    publish_job(job);
    if (!kafka_.wait_for(*tally_, std::chrono::seconds(30)) || tally_->stats(kJobKind).failed > 0) {
        if (summary.error.empty()) summary.error = "the final job record was not acknowledged";
    }
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

}  // namespace tripstream
