// tripstream-producer: streams trip rows (a CSV file, stdin, or generated) into Kafka, or
// writes a generated CSV file. Wiring only: the work is in tripstream_common.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tripstream/app/app_main.hpp"
#include "tripstream/app/trip_input_options.hpp"
#include "tripstream/config.hpp"
#include "tripstream/log.hpp"
#include "tripstream/message/trip_message.hpp"
#include "tripstream/process/shutdown_signal.hpp"
#include "tripstream/producer/generate_csv_job.hpp"
#include "tripstream/producer/produce_job.hpp"
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

// --job-id, or a new random id; a CLI11 error when the text is not a UUID.
JobId job_id_of(const Options& o) {
    JobId id = new_job_id();
    if (!o.job_id.empty() && !parse_job_id(o.job_id, id)) {
        throw CLI::ValidationError("--job-id", "'" + o.job_id + "' is not a UUID");
    }
    return id;
}

}  // namespace
}  // namespace tripstream

int main(int argc, char** argv) {
    using namespace tripstream;
    constexpr const char* kProgram = "tripstream-producer";
    ShutdownSignal shutdown;  // first: every later thread inherits the blocked signals
    CLI::App app{kProgram};
    Options options;
    define(app, options);
    const auto exit_code = parse_command_line(kProgram, app, argc, argv, [&] {
        check_trip_input(options.in);
        if (!options.output.empty() && options.in.generate == 0) {
            throw CLI::ValidationError("--output", "only with --generate");
        }
    });
    if (exit_code) return *exit_code;
    return run_main(kProgram, [&] {
        const Config config = effective_config(options);
        const Logger log("producer", config.log_level);
        if (!options.output.empty()) {
            return generate_csv_job(options.in, options.output, progress_mode(options), log,
                                    shutdown);
        }
        try {
            return produce_job(options.in, job_id_of(options), config, progress_mode(options), log,
                               shutdown);
        } catch (const CLI::ValidationError& e) {
            std::fprintf(stderr, "tripstream-producer: %s\n", e.what());
            return kExitUsage;
        }
    });
}
