#include "tripstream/db/pg_notifications.hpp"

#include <poll.h>

namespace tripstream::db {
namespace {

void take_notifications(PgConnection& conn, std::vector<Notification>& out) {
    while (PGnotify* n = PQnotifies(conn.get())) {
        out.push_back({n->relname, n->extra});
        PQfreemem(n);
    }
}

}  // namespace

std::vector<Notification> wait_notifications(PgConnection& conn,
                                             std::chrono::milliseconds timeout) {
    std::vector<Notification> out;
    take_notifications(conn, out);
    if (!out.empty()) return out;
    pollfd fd{PQsocket(conn.get()), POLLIN, 0};
    if (fd.fd < 0) throw PgError("connection has no socket", "08006", true);
    if (poll(&fd, 1, static_cast<int>(timeout.count())) > 0) {
        if (PQconsumeInput(conn.get()) == 0 || !conn.healthy()) {
            std::string message = PQerrorMessage(conn.get());
            while (!message.empty() && message.back() == '\n')
                message.pop_back();
            throw PgError("connection lost: " + message, "08006", true);
        }
        take_notifications(conn, out);
    }
    return out;
}

}  // namespace tripstream::db
