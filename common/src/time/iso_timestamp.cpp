#include "tripstream/time/iso_timestamp.hpp"

#include "tripstream/time/civil_time.hpp"
#include "tripstream/trip.hpp"

namespace tripstream {

std::string format_iso_timestamp(int64_t time_us) {
    // Floor, not truncation toward zero, so instants before 1970 round down as well.
    int64_t remainder = time_us % kMicrosPerSecond;
    if (remainder < 0) remainder += kMicrosPerSecond;
    std::string out = format_datetime(time_us - remainder);  // "YYYY-MM-DD HH:MM:SS"
    out[10] = 'T';
    out.push_back('Z');
    return out;
}

}  // namespace tripstream
