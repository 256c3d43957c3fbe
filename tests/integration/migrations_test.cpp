// Schema migrations on a fresh database: applied once even when several processes start at
// the same moment, and a second run finds nothing to do.
#include "tripstream/db/migrations.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "support/test_env.hpp"

namespace tripstream {
namespace {

// A scratch database on the stack's server, dropped again at the end.
class ScratchDatabase {
  public:
    ScratchDatabase() : name_(test::unique_name("it_migrate")) {
        for (char& c : name_) {
            if (c == '-') c = '_';
        }
        admin("CREATE DATABASE " + name_);
        const std::string base = test::stack_config().database.url;
        url_ = base.substr(0, base.rfind('/') + 1) + name_;
        pqxx::connection conn(url_);
        pqxx::nontransaction(conn).exec0("CREATE EXTENSION postgis");
    }
    ~ScratchDatabase() { admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
    const std::string& url() const { return url_; }

  private:
    static void admin(const std::string& sql) {
        pqxx::connection conn(test::stack_config().database.url);
        pqxx::nontransaction(conn).exec0(sql);
    }
    std::string name_;
    std::string url_;
};

TEST(Migrations, ConcurrentStartsApplyEachMigrationOnce) {
    const ScratchDatabase db;
    constexpr int kProcesses = 4;
    std::vector<db::MigrationResult> results(kProcesses);
    {
        std::vector<std::jthread> starts;
        for (int i = 0; i < kProcesses; ++i) {
            starts.emplace_back(
                [&, i] { results[static_cast<size_t>(i)] = db::migrate(db.url()); });
        }
    }
    const int latest = db::embedded_migrations().back().version;
    int applied = 0;
    for (const auto& r : results) {
        applied += r.applied;
        EXPECT_EQ(r.current_version, latest);
    }
    EXPECT_EQ(applied, static_cast<int>(db::embedded_migrations().size()));
    EXPECT_EQ(db::migrate(db.url()).applied, 0);

    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM public.tripstream_schema_migrations")[0].as<int>(),
              static_cast<int>(db::embedded_migrations().size()));
    EXPECT_EQ(tx.exec1("SELECT to_regclass('tripstream.trips') IS NOT NULL")[0].as<bool>(), true);
}

}  // namespace
}  // namespace tripstream
