// Shared helpers for tests: the stack's connection settings and unique resource names.
#pragma once

#include <map>
#include <string>

#include "tripstream/config.hpp"

namespace tripstream::test {

// The configuration integration tests run against: config.yml defaults overridden by the
// environment that scripts/stack exports (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL).
const Config& stack_config();

// The environment for running a tripstream executable against the stack, on the topics
// `topic`, `topic`.dlq and `topic`.jobs and the consumer group `topic`, ignoring config.yml.
std::map<std::string, std::string> program_env(const std::string& topic);

// A name no earlier run has used, e.g. "it-roundtrip-1732262400123-4821".
std::string unique_name(const std::string& prefix);

}  // namespace tripstream::test
