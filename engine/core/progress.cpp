#include "core/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace rtm {

namespace {
bool g_quiet = false;
}

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }
bool Progress::enabled() { return !g_quiet && isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, std::int64_t total)
    : label_(std::move(label)), total_(total), last_(std::chrono::steady_clock::now()), active_(enabled()) {}

Progress::~Progress() { finish(); }

void Progress::advance(std::int64_t n) {
  done_ += n;
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ > std::chrono::milliseconds(200)) {
    last_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (active_) draw(true);
}

void Progress::draw(bool final) {
  // Reads and other work run on several threads: one line at a time.
  static std::mutex line;
  std::lock_guard<std::mutex> lock(line);
  if (total_ > 0) {
    const double pct = 100.0 * static_cast<double>(done_) / static_cast<double>(total_);
    std::fprintf(stderr, "\r%s: %5.1f%%", label_.c_str(), pct > 100.0 ? 100.0 : pct);
  } else {
    std::fprintf(stderr, "\r%s: %lld", label_.c_str(), static_cast<long long>(done_));
  }
  std::fprintf(stderr, final ? "\n" : "\x1b[K");
  std::fflush(stderr);
}

}  // namespace rtm
