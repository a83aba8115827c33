#include "pool.h"
#include <algorithm>
#include <atomic>
#include <condition_variable>
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
      pending_.store(parts - 1, std::memory_order_relaxed);
      generation_++;
    }
    wake_.notify_all();
    f(0);
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
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_;
        parts = parts_;
      }
      if (part < parts) {
        (*job)(part);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> lock(mutex_);
          done_.notify_one();
        }
      }
    }
  }

  std::mutex run_mutex_;  // one parallel region at a time
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  unsigned long generation_ = 0;
  std::atomic<int> pending_{0};
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
