// A fresh database on the stack's PostgreSQL server for tests that need tables of their own
// (schema migrations, SQL files, query engines): created with PostGIS, dropped at the end.
#pragma once

#include <string>

namespace tripstream::test {

// `url` with its database name replaced by `name` (URI or keyword/value form).
std::string with_database(const std::string& url, const std::string& name);

class ScratchDatabase {
  public:
    // Creates `<prefix>_<unique>` with the postgis extension; with `migrate`, also applies
    // the schema migrations.
    explicit ScratchDatabase(const std::string& prefix, bool migrate = true);
    ~ScratchDatabase();  // drops the database (reports a test failure if it cannot)
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    const std::string& url() const { return url_; }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
    std::string url_;
};

// No new connection to `database` until end() (or the end of the scope, whatever failed
// meanwhile): sessions already open go on, so a test's own connection can commit while a
// program under test cannot reconnect (ALTER DATABASE ... ALLOW_CONNECTIONS false).
class ConnectionLockout {
  public:
    explicit ConnectionLockout(const ScratchDatabase& database);
    ~ConnectionLockout();  // end()
    ConnectionLockout(const ConnectionLockout&) = delete;
    ConnectionLockout& operator=(const ConnectionLockout&) = delete;

    void end();

  private:
    std::string name_;
    bool ended_ = false;
};

}  // namespace tripstream::test
