// The JSON body of a weekly-average answer (GET /v1/trips/weekly-average, docs/api.md): one
// definition for the API, its event stream and programs that answer the question on their own
// (examples/), so that equal answers are equal documents.
#pragma once

#include <nlohmann/json.hpp>

#include "tripstream/query/weekly_average.hpp"

namespace tripstream::query {

// {"region", "bbox", "match", "from", "to", "weeks", "total_trips", "weekly_average",
// "series": [{"week_start", "trips"}...]}; dates as "YYYY-MM-DD", absent values as null.
nlohmann::json weekly_average_json(const WeeklyAverageResult& result);

}  // namespace tripstream::query
