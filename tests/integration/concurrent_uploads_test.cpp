// Uploads share one Kafka producer per process (issue 12): two uploads through the handler at
// once, the second starting and ending while the first is half-way through its body, on one
// UploadProducer. Each answer counts exactly its own rows (on a shared producer, counting the
// handle's deliveries would add the other job's), and after the real consumer ran, each job is
// completed with exactly its own trips stored and its own rows rejected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <pqxx/pqxx>
#include <sstream>

#include "support/child_process.hpp"
#include "support/test_env.hpp"
#include "support/trip_files.hpp"
#include "tripstream/api/ingestion_upload_handler.hpp"
#include "tripstream/api/upload_producer.hpp"
#include "tripstream/db/connection_pool.hpp"

namespace tripstream {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A request body that delivers its first `pause_at` bytes, then waits for `resume` before
// the rest, in small reads as a socket would.
class PausingBody final : public ByteSource {
  public:
    PausingBody(std::string text, size_t pause_at, std::shared_future<void> resume)
        : text_(std::move(text)), pause_at_(pause_at), resume_(std::move(resume)) {}

    size_t read(char* data, size_t size) override {
        if (pos_ == pause_at_) {
            paused_.set_value();
            resume_.wait();
        }
        const size_t end = pos_ < pause_at_ ? pause_at_ : text_.size();
        const size_t n = std::min({size, end - pos_, size_t{16384}});
        std::copy_n(text_.data() + pos_, n, data);
        pos_ += n;
        return n;
    }
    bool rewind() override { return false; }
    const std::string& name() const override { return name_; }
    std::future<void> paused() { return paused_.get_future(); }

  private:
    std::string text_;
    size_t pause_at_;
    std::shared_future<void> resume_;
    std::promise<void> paused_;
    size_t pos_ = 0;
    std::string name_ = "upload";
};

class Exchange final : public http::HttpExchange {
  public:
    explicit Exchange(ByteSource& body) : body_(body) {
        request_.method = "POST";
        request_.target = request_.path = "/v1/ingestions";
        request_.headers = {{"Content-Type", "text/csv"}};
    }
    const http::HttpRequest& request() const override { return request_; }
    ByteSource& body() override { return body_; }

  private:
    http::HttpRequest request_;
    ByteSource& body_;
};

struct Upload {
    test::TripsFile file;
    std::filesystem::path csv;
    nlohmann::json answer;
};

void expect_job_stored_exactly(const Upload& upload, const std::string& database_url) {
    const std::string job = upload.answer.at("job_id");
    EXPECT_EQ(upload.answer["rows_sent"], upload.file.good_rows) << job;
    EXPECT_EQ(upload.answer["rows_rejected"], upload.file.broken_rows) << job;
    pqxx::connection conn(database_url);
    pqxx::work tx(conn);
    const auto row = tx.exec_params1(
        "SELECT completed_at IS NOT NULL, (SELECT count(*) FROM tripstream.rejected_rows r"
        " WHERE r.job_id = j.job_id) FROM tripstream.ingestion_jobs j WHERE j.job_id = $1",
        job);
    EXPECT_TRUE(row[0].as<bool>()) << "job " << job << " is not completed";
    EXPECT_EQ(row[1].as<int64_t>(), upload.file.broken_rows) << job;
    EXPECT_EQ(test::fingerprint_of_job(database_url, job), test::fingerprint_of_csv(upload.csv))
        << "job " << job << " does not hold exactly its own trips";
}

TEST(ConcurrentUploads, ShareOneProducerAndEachJobGetsExactlyItsRows) {
    const std::string topic = test::unique_name("it-uploads");
    const auto dir = std::filesystem::temp_directory_path() / topic;
    std::filesystem::create_directories(dir);
    api::ApiServices services;
    services.config = test::stack_config();
    services.config.kafka.topic = topic;
    services.config.kafka.dead_letter_topic = topic + ".dlq";
    services.config.kafka.jobs_topic = topic + ".jobs";
    services.config.kafka.partitions = 3;
    services.log = Logger("api-test", LogLevel::warn);
    db::ConnectionPool pool(services.config.database.url, "tripstream-api-test", 4);
    services.pool = &pool;
    api::UploadProducer uploads(services.config.kafka);
    services.uploads = &uploads;

    Upload big{test::write_trips_csv((dir / "big.csv").string(), 40000, 3), dir / "big.csv", {}};
    Upload small{
        test::write_trips_csv((dir / "small.csv").string(), 3000, 4), dir / "small.csv", {}};
    const std::string big_text = read_file(big.csv);
    std::promise<void> small_done;
    PausingBody big_body(big_text, big_text.size() / 2, small_done.get_future().share());
    auto big_paused = big_body.paused();
    auto big_call = std::async(std::launch::async, [&] {
        Exchange exchange(big_body);
        return api::create_ingestion(services, exchange);
    });
    ASSERT_EQ(big_paused.wait_for(60s), std::future_status::ready) << "the big upload never began";

    // The small upload runs from start to end while the big one is half-way.
    StringSource small_body(read_file(small.csv), 16384);
    Exchange small_exchange(small_body);
    const http::HttpResponse small_answer = api::create_ingestion(services, small_exchange);
    small_done.set_value();
    const http::HttpResponse big_answer = big_call.get();
    ASSERT_EQ(small_answer.status, 202) << small_answer.body;
    ASSERT_EQ(big_answer.status, 202) << big_answer.body;
    small.answer = nlohmann::json::parse(small_answer.body);
    big.answer = nlohmann::json::parse(big_answer.body);
    EXPECT_NE(small.answer["job_id"], big.answer["job_id"]);

    test::ChildProcess consumer(
        std::string(TRIPSTREAM_BINARY_DIR) + "/consumer/tripstream-consumer",
        {"--exit-when-idle", "3"}, test::program_env(topic), (dir / "consumer.log").string());
    ASSERT_EQ(consumer.wait(), 0) << read_file(dir / "consumer.log");
    expect_job_stored_exactly(big, services.config.database.url);
    expect_job_stored_exactly(small, services.config.database.url);
    if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tripstream
