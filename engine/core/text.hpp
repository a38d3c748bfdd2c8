#pragma once
// Small text helpers shared by reports and messages.
#include <cstdint>
#include <cstdio>
#include <string>

namespace rtm {

// 1234567 -> "1,234,567"
inline std::string fmt_count(std::int64_t n) {
  const bool neg = n < 0;
  std::string s = std::to_string(neg ? -n : n), out;
  int k = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (k++ == 3) {
      out.insert(out.begin(), ',');
      k = 1;
    }
    out.insert(out.begin(), *it);
  }
  return neg ? "-" + out : out;
}

// A number in plain or scientific notation, 3 significant digits ("2.5e+25", "1.2e+03").
inline std::string fmt_sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// A number with `digits` decimals (2.345, 1 -> "2.3").
inline std::string fmt_fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace rtm
