// A small fork-join pool for splitting one layer call over the CPU's cores.
#pragma once
#include <functional>

namespace fused {

// Threads one call may use: FUSED_RNN_THREADS when set (1 = no workers), else the number of
// CPUs, at most 8. Read once.
int max_threads();

// Runs f(0) … f(parts − 1) and returns when all are done: the calling thread and persistent
// workers claim the parts one by one (a busy core's share goes to whoever is free). When another thread (a second Node worker thread) holds the
// pool, every part runs on the calling thread instead.
void parallel_for(int parts, const std::function<void(int)>& f);

}  // namespace fused
