// Monthly trip partitions are created on demand by whichever consumer first stores a trip of
// that month. Several consumers meeting a new month at the same moment must all succeed: the
// losers of the race find the winner's partition instead of failing their batch.
#include <gtest/gtest.h>

#include <barrier>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "support/scratch_database.hpp"

namespace tripstream {
namespace {

TEST(TripPartitions, ConcurrentCreatorsOfTheSameMonthAllSucceed) {
    const test::ScratchDatabase db("it_partitions");
    constexpr int kCreators = 6;
    constexpr int kMonths = 24;
    std::barrier start(kCreators);
    std::vector<std::string> errors(kCreators);
    {
        std::vector<std::jthread> creators;
        for (int i = 0; i < kCreators; ++i) {
            creators.emplace_back([&, i] {
                pqxx::connection conn(db.url());
                for (int month = 0; month < kMonths; ++month) {
                    const std::string t = std::to_string(2031 + month / 12) + "-" +
                                          (month % 12 < 9 ? "0" : "") +
                                          std::to_string(month % 12 + 1) + "-15 12:00:00+00";
                    start.arrive_and_wait();  // all creators meet each month together
                    try {
                        pqxx::nontransaction q(conn);
                        q.exec_params("SELECT tripstream.ensure_trip_partition($1::timestamptz)",
                                      t);
                    } catch (const std::exception& e) {
                        if (errors[static_cast<size_t>(i)].empty())
                            errors[static_cast<size_t>(i)] = t + ": " + e.what();
                    }
                }
            });
        }
    }
    for (int i = 0; i < kCreators; ++i)
        EXPECT_EQ(errors[static_cast<size_t>(i)], "") << "creator " << i;

    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                       " WHERE i.inhparent = 'tripstream.trips'::regclass"
                       " AND c.relname >= 'trips_2031_01' AND c.relname <= 'trips_2032_12'")[0]
                  .as<int>(),
              kMonths);
    // Each partition got its BRIN index exactly once.
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_indexes WHERE schemaname = 'tripstream'"
                       " AND indexname LIKE 'trips_203%_time_brin'")[0]
                  .as<int>(),
              kMonths);
}

}  // namespace
}  // namespace tripstream
