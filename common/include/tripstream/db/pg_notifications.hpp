// LISTEN/NOTIFY on a PgConnection: waiting for the notifications of the channels the
// connection LISTENs on (the consumers' commit signals, the index's reload request).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tripstream/db/pg_connection.hpp"

namespace tripstream::db {

struct Notification {
    std::string channel;
    std::string payload;
};

// The notifications that arrive within `timeout` (at once when libpq already holds some);
// empty at the timeout. Throws PgError (retryable) when the connection is lost.
std::vector<Notification> wait_notifications(PgConnection& conn, std::chrono::milliseconds timeout);

}  // namespace tripstream::db
