// Writing trips in the input CSV format (the generator's output, test fixtures).
#pragma once

#include <string>

#include "tripstream/trip.hpp"

namespace tripstream {

// Appends one row, with its line end, in the column order of kTripCsvHeader. Region and
// datasource are quoted only when they contain a comma, quote or line break.
void append_trip_csv_row(std::string& out, const Trip& trip);

}  // namespace tripstream
