// Lowers the calling thread's priority (nice 10) for background work that should yield the CPU
// to requests, such as fanning a status change out to 10,000 event streams. Not the idle class
// (SCHED_IDLE): a thread that only runs on an idle CPU can fall seconds behind on a busy one,
// and a subscriber would then skip statuses.
#pragma once

namespace tripstream {

// Returns false when the thread's priority could not be lowered.
bool lower_to_background_priority();

}  // namespace tripstream
