// tripstream-consumer: one member of the consumer group that moves trips from Kafka into
// PostGIS exactly once. Wiring only: the work is in tripstream_common (consumer/, db/).
#include <CLI/CLI.hpp>
#include <iostream>

#include "tripstream/app/app_main.hpp"
#include "tripstream/config.hpp"
#include "tripstream/consumer/trip_consumer.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/kmeans/configured_model.hpp"
#include "tripstream/log.hpp"
#include "tripstream/process/shutdown_signal.hpp"

namespace tripstream {
namespace {

struct Options {
    std::string config_file;
    bool migrate_only = false;
    double exit_when_idle_s = 0;
    std::string model_path;
    std::optional<int> batch_size;
    std::string consumer_id;
};

void define(CLI::App& app, Options& o) {
    app.description(
        "Reads trips, dead-letter rows and job records from Kafka as a member of a consumer\n"
        "group and stores them in PostgreSQL + PostGIS exactly once: each batch of rows is\n"
        "committed in one transaction together with the Kafka offsets it covers. Applies the\n"
        "schema migrations at start. Exit codes: 0 stopped cleanly, 1 failure, 2 bad usage or\n"
        "configuration.");
    app.add_option("--config", o.config_file,
                   "config file [env TRIPSTREAM_CONFIG, default ./config.yml]");
    app.add_flag("--migrate-only", o.migrate_only, "apply the schema migrations and exit");
    app.add_option("--batch-size", o.batch_size, "rows per transaction [env BATCH_SIZE]")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--model", o.model_path,
                   "k-means model file from tripstream-train [env MODEL_PATH]");
    app.add_option(
           "--exit-when-idle", o.exit_when_idle_s,
           "exit cleanly after this many seconds without a message (0 = run until signalled)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--id", o.consumer_id, "consumer id shown in status (default host:pid)");
}

int run(const Options& o, ShutdownSignal& shutdown) {
    Config config = load_config(o.config_file);
    if (o.batch_size) config.consumer.batch_size = *o.batch_size;
    if (!o.model_path.empty()) config.consumer.model_path = o.model_path;
    const Logger log("consumer", config.log_level);

    const auto migration = db::migrate_with_retry(config.database.url, log, shutdown.requested());
    log.info(cat("schema at version ", migration.current_version, " (", migration.applied,
                 " migration(s) applied now)"));
    if (o.migrate_only) return kExitOk;

    const auto model = kmeans::load_configured_model(config.consumer.model_path, log,
                                                     "trips are stored without a cluster");
    ConsumerOptions options = consumer_options_from(config);
    options.exit_when_idle =
        std::chrono::milliseconds(static_cast<int64_t>(o.exit_when_idle_s * 1000));
    options.consumer_id = o.consumer_id;
    TripConsumer consumer(options, log, model);
    consumer.run(shutdown.requested());
    // A signal-requested stop is the normal way to end a consumer: exit 0.
    return kExitOk;
}

}  // namespace
}  // namespace tripstream

int main(int argc, char** argv) {
    return tripstream::service_main("tripstream-consumer", argc, argv, tripstream::define,
                                    tripstream::run);
}
