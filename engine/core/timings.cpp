#include "core/timings.hpp"

#include <time.h>

#include <cstdio>
#include <mutex>
#include <vector>

namespace rtm {

namespace {
struct Entry {
  std::string stage;
  double wall = 0, cpu = 0;
};
bool g_on = false;
std::mutex g_mutex;
std::vector<Entry> g_entries;

double clock_s(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace

void enable_timings(bool on) { g_on = on; }
bool timings_enabled() { return g_on; }

StageTimer::StageTimer(std::string stage)
    : stage_(std::move(stage)), wall0_(clock_s(CLOCK_MONOTONIC)), cpu0_(clock_s(CLOCK_PROCESS_CPUTIME_ID)) {}

StageTimer::~StageTimer() {
  if (!g_on) return;
  const double wall = clock_s(CLOCK_MONOTONIC) - wall0_, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0_;
  std::lock_guard<std::mutex> lock(g_mutex);
  for (auto& e : g_entries)
    if (e.stage == stage_) {
      e.wall += wall;
      e.cpu += cpu;
      return;
    }
  g_entries.push_back({stage_, wall, cpu});
}

std::string timings_table() {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::string out = "stage                                                 wall s    CPU s  CPU/wall\n";
  char buf[160];
  for (const auto& e : g_entries) {
    std::snprintf(buf, sizeof buf, "%-52s %8.2f %8.2f %8.2f\n", e.stage.c_str(), e.wall, e.cpu,
                  e.wall > 0 ? e.cpu / e.wall : 0.0);
    out += buf;
  }
  return out;
}

}  // namespace rtm
