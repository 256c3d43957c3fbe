// A REPEATABLE READ, READ ONLY transaction for the statements of one answer: the consumers
// write the raw rows and the aggregates in one transaction each, so statements read within
// one snapshot agree with each other while ingestion runs. Rolled back on every path
// (nothing is written).
#pragma once

#include "tripstream/db/pg_connection.hpp"

namespace tripstream::db {

class ReadSnapshot {
  public:
    // `conn` must not be inside a transaction.
    explicit ReadSnapshot(PgConnection& conn);
    ~ReadSnapshot();
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

  private:
    PgConnection& conn_;
};

}  // namespace tripstream::db
