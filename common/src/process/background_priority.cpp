#include "tripstream/process/background_priority.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace tripstream {

namespace {
constexpr int kBackgroundNice = 10;
}  // namespace

bool lower_to_background_priority() {
    // On Linux a nice value applies to one thread when given its thread id.
    return ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kBackgroundNice) == 0;
}

}  // namespace tripstream
