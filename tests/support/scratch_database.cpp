#include "support/scratch_database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <pqxx/pqxx>

#include "support/test_env.hpp"
#include "tripstream/db/migrations.hpp"

namespace tripstream::test {
namespace {

void run_on_server(const std::string& sql) {
    pqxx::connection conn(server_config().database.url);
    pqxx::nontransaction(conn).exec0(sql);
}

}  // namespace

std::string with_database(const std::string& url, const std::string& name) {
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos) return url + " dbname=" + name;  // the last value wins
    const size_t query = std::min(url.find('?', scheme + 3), url.size());
    const size_t path = url.find('/', scheme + 3);
    if (path == std::string::npos || path > query) {
        return url.substr(0, query) + "/" + name + url.substr(query);
    }
    return url.substr(0, path + 1) + name + url.substr(query);
}

ScratchDatabase::ScratchDatabase(const std::string& prefix, bool migrate)
    : name_(unique_name(prefix)) {
    std::replace(name_.begin(), name_.end(), '-', '_');
    run_on_server("CREATE DATABASE " + name_);
    url_ = with_database(server_config().database.url, name_);
    pqxx::connection conn(url_);
    pqxx::nontransaction(conn).exec0("CREATE EXTENSION postgis");
    if (migrate) db::migrate(url_);
}

ScratchDatabase::~ScratchDatabase() {
    try {
        run_on_server("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
        ADD_FAILURE() << "could not drop the scratch database " << name_ << ": " << e.what();
    }
}

ConnectionLockout::ConnectionLockout(const ScratchDatabase& database) : name_(database.name()) {
    run_on_server("ALTER DATABASE " + name_ + " WITH ALLOW_CONNECTIONS false");
}

ConnectionLockout::~ConnectionLockout() {
    try {
        end();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "could not allow connections to " << name_ << " again: " << e.what();
    }
}

void ConnectionLockout::end() {
    if (ended_) return;
    ended_ = true;
    run_on_server("ALTER DATABASE " + name_ + " WITH ALLOW_CONNECTIONS true");
}

}  // namespace tripstream::test
