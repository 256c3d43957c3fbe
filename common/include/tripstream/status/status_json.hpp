// The JSON the API sends for the ingestion status (docs/status.md): snake_case keys,
// instants as ISO 8601 UTC ("2026-11-22T10:00:00Z"), null for every unknown, rates and ETAs
// rounded to 0.1.
#pragma once

#include <nlohmann/json.hpp>

#include "tripstream/status/ingestion_status.hpp"

namespace tripstream::status {

nlohmann::json to_json(const JobStatus& job);
nlohmann::json to_json(const PartitionLag& partition);
nlohmann::json to_json(const ConsumerStatus& consumer);
nlohmann::json to_json(const IngestionStatus& status);

}  // namespace tripstream::status
