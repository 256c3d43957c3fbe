// The consumer with a k-means model: every trip of a region in the model gets a cluster and
// the model's id; trips of a region the model lacks are stored without a cluster (the
// documented fallback), never dropped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/child_process.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "tripstream/db/migrations.hpp"
#include "tripstream/kafka/kafka_admin.hpp"

namespace tripstream {
namespace {

TEST(ConsumerModel, AssignsClustersAndRecordsTheModelVersion) {
    const Config& config = test::stack_config();
    const std::string topic = test::unique_name("it-model");
    const auto dir = std::filesystem::temp_directory_path() / topic;
    std::filesystem::create_directories(dir);
    db::migrate(config.database.url);

    // A model trained on generated trips of the six built-in regions.
    const std::string model = (dir / "model.json").string();
    test::ChildProcess train(std::string(TRIPSTREAM_BINARY_DIR) + "/train/tripstream-train",
                             {"--generate", "20000", "-k", "4", "-o", model}, {},
                             (dir / "train.log").string());
    ASSERT_EQ(train.wait(), 0);
    const std::string version =
        nlohmann::json::parse(std::ifstream(model))["version"].get<std::string>();

    // Input: generated trips plus three trips in a region the model does not know.
    const std::string csv = (dir / "input.csv").string();
    test::write_trips_csv(csv, 3000, 11);
    std::ofstream(csv, std::ios::app)
        << "Atlantis,POINT (-30.1 35.2),POINT (-30.2 35.3),2018-03-05 08:00:00,funny_car\n"
        << "Atlantis,POINT (-30.1 35.2),POINT (-30.3 35.1),2018-03-05 09:00:00,funny_car\n"
        << "Atlantis,POINT (-30.0 35.0),POINT (-30.2 35.3),2018-03-06 18:00:00,baba_car\n";
    kafka::KafkaAdmin admin(config.kafka);
    admin.ensure_topic({topic, 3, {}});
    admin.ensure_topic({topic + ".dlq", 1, {}});
    admin.ensure_topic({topic + ".jobs", 1, {{"cleanup.policy", "compact"}}});
    ProducerOptions po;
    po.topic = topic;
    po.dead_letter_topic = topic + ".dlq";
    po.jobs_topic = topic + ".jobs";
    po.partitions = 3;
    po.job_id = new_job_id();
    const ProducerSummary summary = test::produce_file(po, csv);
    ASSERT_TRUE(summary.ok()) << summary.error;
    ASSERT_EQ(summary.rows_sent, 3003u);

    test::ChildProcess consumer(
        std::string(TRIPSTREAM_BINARY_DIR) + "/consumer/tripstream-consumer",
        {"--exit-when-idle", "3", "--model", model}, test::program_env(topic),
        (dir / "consumer.log").string());
    ASSERT_EQ(consumer.wait(), 0);

    pqxx::connection conn(config.database.url);
    pqxx::work tx(conn);
    const auto r = tx.exec_params1(
        "SELECT count(*) FILTER (WHERE rg.name <> 'Atlantis' AND t.cluster_id >= 0"
        "                          AND m.version = $2),"
        "       count(*) FILTER (WHERE rg.name = 'Atlantis' AND t.cluster_id = -1"
        "                          AND t.model_id = 0),"
        "       count(*), count(DISTINCT t.cluster_id)"
        "  FROM tripstream.trips t JOIN tripstream.ingestion_jobs j USING (job_seq)"
        "  JOIN tripstream.regions rg USING (region_id)"
        "  LEFT JOIN tripstream.models m USING (model_id) WHERE j.job_id = $1",
        job_id_to_string(po.job_id), version);
    EXPECT_EQ(r[0].as<int>(), 3000);  // clustered, with the model's version
    EXPECT_EQ(r[1].as<int>(), 3);     // the unknown region: stored, without a cluster
    EXPECT_EQ(r[2].as<int>(), 3003);
    EXPECT_GT(r[3].as<int>(), 6);  // several clusters per region were used
    if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tripstream
