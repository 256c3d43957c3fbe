#include "tripstream/consumer/message_router.hpp"

#include "tripstream/csv/trip_row_parser.hpp"
#include "tripstream/jobs/job_record.hpp"
#include "tripstream/text/utf8.hpp"

namespace tripstream {

BatchRejection consumer_rejection(const IncomingMessage& message, std::string reason) {
    BatchRejection r;
    r.stage = "consumer";
    r.reason = std::move(reason);
    r.raw.assign(message.payload.substr(0, kMaxRawExcerptBytes));
    r.raw_length = message.payload.size();
    r.topic.assign(message.topic);
    r.partition = message.partition;
    r.offset = message.offset;
    return r;
}

MessageRouter::MessageRouter(ConsumerTopics topics,
                             std::shared_ptr<const kmeans::KMeansModel> model)
    : topics_(std::move(topics)), model_(std::move(model)) {}

void MessageRouter::route(const IncomingMessage& message, TripBatch& batch) {
    if (message.topic == topics_.trips) {
        route_trip(message, batch);
    } else if (message.topic == topics_.jobs) {
        route_job(message, batch);
    } else {
        BatchRejection rejection = consumer_rejection(message, "");
        route_dead_letter(message, rejection);
        batch.add_rejection(std::move(rejection));
    }
}

void MessageRouter::route_trip(const IncomingMessage& message, TripBatch& batch) {
    BatchTrip& t = batch.add_trip();
    std::string reason;
    RowError error;
    const bool decoded = decode_trip_message(message.payload, t.message, reason);
    if (decoded && validate_trip(t.message.trip, error)) {
        t.partition = message.partition;
        t.offset = message.offset;
        t.cluster_id = -1;
        if (model_) {
            if (auto cluster = model_->assign(t.message.trip))
                t.cluster_id = static_cast<int16_t>(*cluster);
        }
        if (t.cluster_id < 0) unclustered_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    BatchRejection rejection =
        consumer_rejection(message, decoded ? error.reason() : "undecodable message: " + reason);
    rejection.has_job = decoded;
    rejection.job_id = t.message.job_id;
    rejection.line = decoded ? t.message.line : 0;
    batch.drop_last_trip();
    batch.add_rejection(std::move(rejection));
}

// A dead-letter record is the producer's rejection of a row: stored with the producer's
// reason. One that cannot be read is itself rejected by the consumer.
void MessageRouter::route_dead_letter(const IncomingMessage& message, BatchRejection& rejection) {
    try {
        const RejectedRow row = parse_rejected_row(message.payload);
        rejection.has_job = parse_job_id(row.job_id, rejection.job_id);
        rejection.stage = "producer";
        rejection.source = row.source;
        rejection.line = row.line;
        rejection.reason = row.reason;
        rejection.raw = row.raw.substr(0, kMaxRawExcerptBytes);
        rejection.raw_length = std::max<uint64_t>(row.raw_length, row.raw.size());
    } catch (const std::exception& e) {
        rejection.reason = std::string("undecodable dead-letter record: ") + e.what();
    }
}

void MessageRouter::route_job(const IncomingMessage& message, TripBatch& batch) {
    try {
        JobRecord job = parse_job_record(message.payload);
        JobId id;
        if (!parse_job_id(job.job_id, id)) throw std::invalid_argument("job_id is not a UUID");
        batch.add_job(
            {std::move(job), std::string(message.topic), message.partition, message.offset});
    } catch (const std::exception& e) {
        batch.add_rejection(
            consumer_rejection(message, std::string("undecodable job record: ") + e.what()));
    }
}

}  // namespace tripstream
