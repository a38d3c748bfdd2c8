#pragma once
// Wall and CPU time per pipeline stage, printed by `rtm run --timings`.
// CPU time is the whole process's (all threads), so CPU / wall shows how many
// cores a stage kept busy.
#include <string>

namespace rtm {

class StageTimer {
 public:
  explicit StageTimer(std::string stage);
  ~StageTimer();
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  std::string stage_;
  double wall0_, cpu0_;
};

void enable_timings(bool on);
bool timings_enabled();
// One line per stage in the order first seen: stage, wall s, CPU s, CPU/wall.
std::string timings_table();

}  // namespace rtm
