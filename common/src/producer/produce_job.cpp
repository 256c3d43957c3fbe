#include "tripstream/producer/produce_job.hpp"

#include <iostream>

#include "tripstream/app/app_main.hpp"
#include "tripstream/kafka/trip_topics.hpp"
#include "tripstream/producer/configured_producer_options.hpp"
#include "tripstream/producer/trip_producer.hpp"

namespace tripstream {

int produce_job(const TripInputOptions& input, const JobId& job_id, const Config& config,
                ProgressMode progress_mode, const Logger& log, ShutdownSignal& shutdown) {
    auto source = open_trip_source(input);
    const ProducerOptions po = configured_producer_options(
        config, kafka::ensure_trip_topics(config.kafka), job_id, ProducerRun::command_line);

    kafka::KafkaProducer kafka(config.kafka);
    TripProducer producer(kafka, po);
    log.info(cat("job ", job_id_to_string(po.job_id), ": ", source->name(), " -> ", po.topic, " (",
                 po.partitions, " partitions) at ", config.kafka.bootstrap_servers,
                 po.num_messages > 0 ? cat(", ", po.num_messages, " messages") : std::string()));
    ProducerSummary summary;
    {
        ProgressReporter progress(
            "producing",
            [&] {
                const uint64_t sent = producer.rows_enqueued();
                const double fraction =
                    po.num_messages > 0
                        ? static_cast<double>(sent) / static_cast<double>(po.num_messages)
                        : source->pass_fraction();
                return ProgressSnapshot{sent, fraction, cat("rejected ", producer.rows_rejected())};
            },
            progress_mode, log);
        summary = producer.run(*source, shutdown.requested());
    }
    std::cout << summary.to_json().dump() << std::endl;
    log.info(
        cat("job ", summary.job_id, ": ", summary.rows_sent, " rows sent, ", summary.rows_rejected,
            " rejected, ", summary.rows_failed, " failed in ", summary.seconds, " s (",
            static_cast<uint64_t>(summary.seconds > 0 ? summary.rows_sent / summary.seconds : 0),
            " rows/s)", summary.interrupted ? ", interrupted" : ""));
    if (!summary.ok()) {
        log.error(cat("job ", summary.job_id, " failed: ", summary.error));
        return kExitFailure;
    }
    return summary.interrupted ? shutdown.exit_code() : kExitOk;
}

}  // namespace tripstream
