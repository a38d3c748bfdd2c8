#pragma once
// Progress of long work on stderr, only when stderr is a terminal and not --quiet.
#include <chrono>
#include <cstdint>
#include <string>

namespace rtm {

class Progress {
 public:
  // total = 0 when unknown (then counts are shown instead of a percentage).
  Progress(std::string label, std::int64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::int64_t n = 1);
  void finish();

  static void set_quiet(bool quiet);
  static bool enabled();

 private:
  void draw(bool final);
  std::string label_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  std::chrono::steady_clock::time_point last_;
  bool active_;
  bool finished_ = false;
};

}  // namespace rtm
