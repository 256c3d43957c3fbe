// Schema migrations on a fresh database: applied once even when several processes start at
// the same moment, and a second run finds nothing to do.
#include "tripstream/db/migrations.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "support/scratch_database.hpp"
#include "support/test_env.hpp"

namespace tripstream {
namespace {

TEST(Migrations, ConcurrentStartsApplyEachMigrationOnce) {
    const test::ScratchDatabase db("it_migrate", false);
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
