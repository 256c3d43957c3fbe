// The dependencies /readyz reports and how each is checked: the database answers `SELECT 1`
// on a connection of the probe's own, and a Kafka broker answers a metadata request of one
// long-lived client, each within about 2 s.
//
// The database check does not lease from the request pool: when every pooled connection is
// busy with slow queries, the probe would wait for a lease and call a busy instance not ready,
// taking it out of a load balancer exactly when it works hardest. What it asks is whether the
// database answers.
#pragma once

#include <vector>

#include "tripstream/api/readiness_probe.hpp"
#include "tripstream/config.hpp"

namespace tripstream::api {

// "database" and "kafka", in that order.
std::vector<ReadinessProbe::Dependency> readiness_dependencies(const Config& config);

}  // namespace tripstream::api
