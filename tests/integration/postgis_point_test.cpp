// Writes a PostGIS point to the real local database and reads it back.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "support/test_env.hpp"

namespace tripstream {
namespace {

TEST(PostGis, WritesAndReadsAPoint) {
    pqxx::connection conn(test::stack_config().database.url);
    pqxx::work tx(conn);
    tx.exec0("CREATE TEMP TABLE it_points (id int PRIMARY KEY, p geometry(Point, 4326))");
    tx.exec_params0("INSERT INTO it_points VALUES (1, ST_SetSRID(ST_MakePoint($1, $2), 4326))",
                    14.4973794438195, 50.00136875782316);
    const auto row = tx.exec1("SELECT ST_X(p), ST_Y(p), ST_SRID(p), ST_AsText(p) FROM it_points");
    EXPECT_DOUBLE_EQ(row[0].as<double>(), 14.4973794438195);
    EXPECT_DOUBLE_EQ(row[1].as<double>(), 50.00136875782316);
    EXPECT_EQ(row[2].as<int>(), 4326);
    EXPECT_EQ(row[3].as<std::string>().rfind("POINT(14.49737944", 0), 0u);
    // Distance in metres on the spheroid, a PostGIS-only capability.
    const auto d = tx.exec1(
        "SELECT ST_Distance(p::geography, ST_SetSRID(ST_MakePoint(14.4973794438195, "
        "50.01136875782316), 4326)::geography) FROM it_points");
    EXPECT_NEAR(d[0].as<double>(), 1112.0, 5.0);
}

}  // namespace
}  // namespace tripstream
