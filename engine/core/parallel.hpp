#pragma once
// A small parallel loop over indices with std::thread. Results must not depend
// on the number of threads: callers write to slots by index and reduce in
// index order afterwards.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace rtm {

// Threads used by parallel_for (default: the machine's cores). 1 = serial.
inline std::size_t& thread_count() {
  static std::size_t n = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  return n;
}

// True on a thread that is running a parallel_for's work: a parallel_for
// called from there runs serially (the cores are already busy).
inline bool& inside_parallel_for() {
  thread_local bool inside = false;
  return inside;
}

// Calls f(i) for i in [0, n), on up to thread_count() threads, dealing indices
// out one at a time. The first exception thrown is rethrown after all threads end.
template <class F>
void parallel_for(std::size_t n, F&& f) {
  const std::size_t threads = std::min(thread_count(), n);
  if (threads <= 1 || inside_parallel_for()) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    const bool was_inside = inside_parallel_for();
    inside_parallel_for() = true;
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
    inside_parallel_for() = was_inside;
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Work that can go on beside the caller's: on its own thread when there is
// more than one, otherwise run by get(). get() waits for it and rethrows its
// error; destroying the future without get() waits for a started thread and
// drops work not started.
template <class F>
std::future<void> run_beside(F&& f) {
  return std::async(thread_count() > 1 ? std::launch::async : std::launch::deferred, std::forward<F>(f));
}

}  // namespace rtm
