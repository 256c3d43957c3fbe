// Shared helpers for tests: the stack's connection settings and unique resource names.
//
// Isolation: every integration test process works in a database of its own (created on the
// stack's PostgreSQL server on first use, with PostGIS and the migrations, dropped when the
// process's tests end) and on topics and consumer groups of its own (unique_name), which are
// deleted when its tests end. The user's default database, topics and group are never
// touched by the tests.
#pragma once

#include <map>
#include <string>

#include "tripstream/config.hpp"

namespace tripstream::test {

// The configuration integration tests run against: config.yml defaults overridden by the
// environment that scripts/stack exports (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL), with
// database.url pointing at this test process's own scratch database.
const Config& stack_config();

// The same, with database.url as the environment gives it: only for creating and dropping
// databases on the server.
const Config& server_config();

// The environment for running a tripstream executable against the stack, on the topics
// `topic`, `topic`.dlq and `topic`.jobs and the consumer group `topic`, ignoring config.yml.
std::map<std::string, std::string> program_env(const std::string& topic);

// A name no earlier run has used, e.g. "it-roundtrip-1732262400123-4821-0". Topics named
// with it (and its .dlq and .jobs topics) are deleted when the process's tests end.
std::string unique_name(const std::string& prefix);

}  // namespace tripstream::test
