#include "tripstream/query/indexed_trip.hpp"

#include <limits>
#include <stdexcept>
#include <string>

#include "tripstream/time/civil_time.hpp"

namespace tripstream::query {

int32_t trip_week(int64_t time_us) {
    // Far beyond PostgreSQL's finite timestamps (294276 AD is about 107 million days).
    constexpr int64_t kLimitDays = std::numeric_limits<int32_t>::max() / 2;
    const int64_t days = days_from_micros(time_us);
    if (days > kLimitDays || days < -kLimitDays) {
        throw std::out_of_range("trip time " + std::to_string(time_us) +
                                " us is outside the index's week range (an infinite timestamp?)");
    }
    return static_cast<int32_t>(iso_week_start(days));
}

}  // namespace tripstream::query
