#include "tripstream/db/read_snapshot.hpp"

namespace tripstream::db {

ReadSnapshot::ReadSnapshot(PgConnection& conn) : conn_(conn) {
    conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

ReadSnapshot::~ReadSnapshot() {
    try {
        if (conn_.healthy()) conn_.exec("ROLLBACK");
    } catch (const PgError&) {
        // The connection is unusable anyway; the caller sees the original error.
    }
}

}  // namespace tripstream::db
