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

}  // namespace tripstream::test
