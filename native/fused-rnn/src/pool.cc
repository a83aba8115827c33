#include "pool.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace fused {

int max_threads() {
  static const int n = [] {
    const char* env = std::getenv("FUSED_RNN_THREADS");
    int v = env ? std::atoi(env) : int(std::thread::hardware_concurrency());
    return std::clamp(v, 1, 8);
  }();
  return n;
}

namespace {

class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; i++) std::thread([this, i] { loop(i + 1); }).detach();
  }

  bool try_run(int parts, const std::function<void(int)>& f) {
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &f;
      parts_ = parts;
      pending_.store(parts, std::memory_order_relaxed);
      generation_++;
      published_.store(generation_, std::memory_order_release);
      ticket_.store(uint64_t(uint32_t(generation_)) << 32, std::memory_order_release);
    }
    wake_.notify_all();
    // Parts are claimed, not assigned: on a loaded machine a worker that is not scheduled
    // in time leaves its part to this thread instead of making it wait.
    claim(f, parts, uint32_t(generation_));
    // The other parts take about as long as ours: spin briefly, then sleep.
    for (int spin = 0; pending_.load(std::memory_order_acquire) > 0; spin++) {
      if (spin < 20000) continue;
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
      break;
    }
    return true;
  }

 private:
  void loop(int part) {
    unsigned long seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      int parts;
      // Stay awake a moment before sleeping: calls come back to back (layer after layer, batch
      // after batch, a burst of predictions), and a sleeping worker's futex wake-up can take
      // longer than the caller's own part on a busy machine — the caller then runs this
      // worker's part too, and the call takes as long as on one thread (measured: 64 LSTM
      // windows 1.5 ms instead of 0.8 ms while other processes ran on the second core).
      spin_while_idle(seen);
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_;
        parts = parts_;
      }
      if (part < parts) claim(*job, parts, uint32_t(seen));
    }
  }

  // Up to FUSED_RNN_SPIN_US (default 300) µs of polling for a new job (the cost: that much of one core after the
  // last call of a burst).
  void spin_while_idle(unsigned long seen) const {
    static const auto spin = std::chrono::microseconds([] {
      const char* env = std::getenv("FUSED_RNN_SPIN_US");
      return env ? std::clamp(std::atoi(env), 0, 100000) : 300;
    }());
    const auto until = std::chrono::steady_clock::now() + spin;
    for (int i = 0; published_.load(std::memory_order_acquire) == seen; i++) {
      if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }

  // Takes parts of job `gen` until none is left. The ticket carries the job's generation, so
  // a worker that wakes after its job finished (and `f` is gone) claims nothing of the next.
  void claim(const std::function<void(int)>& f, int parts, uint32_t gen) {
    for (;;) {
      uint64_t t = ticket_.load(std::memory_order_acquire);
      int i;
      do {
        i = int(t & 0xffffffffu);
        if (uint32_t(t >> 32) != gen || i >= parts) return;
      } while (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel));
      f(i);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::mutex run_mutex_;  // one parallel region at a time
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  unsigned long generation_ = 0;
  std::atomic<unsigned long> published_{0};  // generation_, readable without the mutex (spinning workers)
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> ticket_{0};
};

// Never destroyed: detached workers outlive static destruction at process exit.
Pool& pool() {
  static Pool* p = new Pool(max_threads() - 1);
  return *p;
}

}  // namespace

void parallel_for(int parts, const std::function<void(int)>& f) {
  parts = std::clamp(parts, 1, max_threads());
  if (parts == 1 || !pool().try_run(parts, f))
    for (int i = 0; i < parts; i++) f(i);
}

}  // namespace fused
