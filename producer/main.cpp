// tripstream-producer: streams trip rows (a CSV file, stdin, or generated) into Kafka, or
// writes a generated CSV file. Wiring only: the work is in tripstream_common.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "tripstream/app/app_main.hpp"
#include "tripstream/app/trip_input_options.hpp"
#include "tripstream/config.hpp"
#include "tripstream/generator/generated_csv.hpp"
#include "tripstream/kafka/trip_topics.hpp"
#include "tripstream/log.hpp"
#include "tripstream/process/shutdown_signal.hpp"
#include "tripstream/producer/trip_producer.hpp"
#include "tripstream/progress/progress_reporter.hpp"

namespace tripstream {
namespace {

struct Options {
    TripInputOptions in;
    std::string output;
    std::string config_file;
    std::string progress = "auto";
    std::string job_id;
    // Overrides of config keys (empty / unset = keep the configured value).
    std::optional<uint64_t> num_messages;
    std::optional<uint64_t> rate_limit;
    std::string topic;
    std::string dead_letter_topic;
    std::string bootstrap_servers;
};

void define(CLI::App& app, Options& o) {
    app.description(
        "Streams trip rows into Kafka: one message per accepted row on the trips topic, each\n"
        "rejected row (with its reason and line) on the dead-letter topic, and the job's record\n"
        "on the jobs topic. Prints one JSON summary line on stdout. Exit codes: 0 every row\n"
        "acknowledged, 1 a failure (e.g. a message not acknowledged), 2 bad usage, config or\n"
        "header, 130/143 interrupted (rows read so far are flushed first).");
    add_trip_input_options(app, o.in, "instead of reading INPUT");
    app.add_option("--output", o.output,
                   "with --generate: write the CSV to this file (- = stdout) instead of Kafka");
    app.add_option("-n,--num-messages", o.num_messages,
                   "accepted rows to send, cycling the input [env NUM_MESSAGES; 0 = input once]");
    app.add_option("--rate-limit", o.rate_limit,
                   "rows per second, 0 = unlimited [env PRODUCER_RATE_LIMIT]");
    app.add_option("--topic", o.topic, "trips topic [env TOPIC]");
    app.add_option("--dead-letter-topic", o.dead_letter_topic,
                   "rejected rows [env DEAD_LETTER_TOPIC]");
    app.add_option("--bootstrap-servers", o.bootstrap_servers,
                   "Kafka brokers [env KAFKA_BOOTSTRAP_SERVERS]");
    app.add_option("--job-id", o.job_id, "ingestion job id (a UUID; default: a new random one)");
    app.add_option("--config", o.config_file,
                   "config file [env TRIPSTREAM_CONFIG, default ./config.yml]");
    app.add_option("--progress", o.progress,
                   "auto (bar on a terminal, else a log line every 5 s), bar, log, none")
        ->check(CLI::IsMember({"auto", "bar", "log", "none"}))
        ->capture_default_str();
}

Config effective_config(const Options& o) {
    Config c = load_config(o.config_file);
    if (o.num_messages) c.producer.num_messages = *o.num_messages;
    if (o.rate_limit) c.producer.rate_limit = *o.rate_limit;
    if (!o.topic.empty()) c.kafka.topic = o.topic;
    if (!o.dead_letter_topic.empty()) c.kafka.dead_letter_topic = o.dead_letter_topic;
    if (!o.bootstrap_servers.empty()) c.kafka.bootstrap_servers = o.bootstrap_servers;
    return c;
}

ProgressMode progress_mode(const Options& o) {
    ProgressMode mode = ProgressMode::automatic;
    parse_progress_mode(o.progress, mode);
    return mode;
}

int write_csv(const Options& o, const Logger& log, ShutdownSignal& shutdown) {
    std::atomic<uint64_t> written{0};
    const auto started = std::chrono::steady_clock::now();
    uint64_t rows = 0;
    {
        ProgressReporter progress(
            "generating",
            [&] {
                return ProgressSnapshot{
                    written.load(),
                    static_cast<double>(written.load()) / static_cast<double>(o.in.generate), ""};
            },
            o.output == "-" ? ProgressMode::none : progress_mode(o), log);
        rows = write_generated_csv(o.output, generator_options(o.in), o.in.generate, written,
                                   shutdown.requested());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const nlohmann::json summary = {
        {"output", o.output}, {"rows", rows}, {"seed", o.in.seed}, {"seconds", seconds}};
    (o.output == "-" ? std::cerr : std::cout) << summary.dump() << std::endl;
    return shutdown.requested() ? shutdown.exit_code() : kExitOk;
}

int produce(const Options& o, const Config& config, const Logger& log, ShutdownSignal& shutdown) {
    ProducerOptions po;
    po.topic = config.kafka.topic;
    po.dead_letter_topic = config.kafka.dead_letter_topic;
    po.jobs_topic = config.kafka.jobs_topic;
    po.num_messages = config.producer.num_messages;
    po.rate_limit = config.producer.rate_limit;
    po.job_id = new_job_id();
    if (!o.job_id.empty() && !parse_job_id(o.job_id, po.job_id)) {
        throw CLI::ValidationError("--job-id", "'" + o.job_id + "' is not a UUID");
    }
    auto source = open_trip_source(o.in);

    po.partitions = kafka::ensure_trip_topics(config.kafka);

    kafka::KafkaProducer kafka(config.kafka.bootstrap_servers);
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
            progress_mode(o), log);
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

}  // namespace
}  // namespace tripstream

int main(int argc, char** argv) {
    using namespace tripstream;
    ShutdownSignal shutdown;  // first: every later thread inherits the blocked signals
    CLI::App app{"tripstream-producer"};
    Options options;
    define(app, options);
    const auto exit_code = parse_command_line(app, argc, argv, [&] {
        check_trip_input(options.in);
        if (!options.output.empty() && options.in.generate == 0) {
            throw CLI::ValidationError("--output", "only with --generate");
        }
    });
    if (exit_code) return *exit_code;
    return run_main("tripstream-producer", [&] {
        const Config config = effective_config(options);
        const Logger log("producer", config.log_level);
        if (!options.output.empty()) return write_csv(options, log, shutdown);
        try {
            return produce(options, config, log, shutdown);
        } catch (const CLI::ValidationError& e) {
            std::fprintf(stderr, "tripstream-producer: %s\n", e.what());
            return kExitUsage;
        }
    });
}
