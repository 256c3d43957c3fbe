#include "tripstream/csv/trip_csv_writer.hpp"

#include "tripstream/geo/wkt_point.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream {
namespace {

void append_field(std::string& out, const std::string& value) {
    if (value.find_first_of(",\"\r\n") == std::string::npos) {
        out.append(value);
        return;
    }
    out.push_back('"');
    for (const char c : value) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

}  // namespace

void append_trip_csv_row(std::string& out, const Trip& trip) {
    append_field(out, trip.region);
    out.push_back(',');
    append_wkt_point(out, trip.origin);
    out.push_back(',');
    append_wkt_point(out, trip.destination);
    out.push_back(',');
    append_datetime(out, trip.time_us);
    out.push_back(',');
    append_field(out, trip.datasource);
    out.push_back('\n');
}

}  // namespace tripstream
