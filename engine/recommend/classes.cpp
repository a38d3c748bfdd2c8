#include "recommend/classes.hpp"

#include <algorithm>
#include <cmath>

namespace rtm::recommend {

const char* class_name(std::uint8_t c) {
  switch (c) {
    case highest: return "highest";
    case moderately_high: return "moderately high";
    case above_average: return "above average";
    default: return "below average";
  }
}

const char* vxe_name(std::uint8_t c) {
  switch (c) {
    case 3: return "high risk, hot (priority)";
    case 2: return "high risk, not hot";
    case 1: return "low risk, hot";
    default: return "low risk, not hot";
  }
}

std::vector<std::uint8_t> risk_classes(const std::vector<double>& score, double* mean_out, double* sd_out) {
  const double n = static_cast<double>(score.size());
  double mean = 0, ss = 0;
  for (double v : score) mean += v;
  mean /= n;
  for (double v : score) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / n);
  if (mean_out != nullptr) *mean_out = mean;
  if (sd_out != nullptr) *sd_out = sd;
  std::vector<std::uint8_t> c(score.size(), below_average);
  for (std::size_t i = 0; i < score.size(); ++i) {
    const double v = score[i];
    if (sd > 0 && v > mean + 2 * sd) c[i] = highest;
    else if (sd > 0 && v > mean + sd) c[i] = moderately_high;
    else if (sd > 0 && v > mean) c[i] = above_average;
  }
  return c;
}

std::vector<std::uint8_t> vulnerability_exposure(const std::vector<std::uint8_t>& classes,
                                                 const std::vector<std::uint8_t>& hot) {
  std::vector<std::uint8_t> v(classes.size());
  for (std::size_t i = 0; i < classes.size(); ++i)
    v[i] = static_cast<std::uint8_t>((classes[i] >= moderately_high ? 2 : 0) + (hot[i] != 0 ? 1 : 0));
  return v;
}

std::vector<std::vector<std::size_t>> clusters(const GridSpec& grid, const StudyCells& cells,
                                               const std::vector<std::uint8_t>& selected, bool eight_connected,
                                               std::size_t min_cells) {
  const StudyCellIndex index(grid, cells);
  std::vector<std::uint8_t> seen(cells.size(), 0);
  std::vector<std::vector<std::size_t>> out;
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < cells.size(); ++start) {
    if (selected[start] == 0 || seen[start] != 0) continue;
    std::vector<std::size_t> group;
    stack.assign(1, start);
    seen[start] = 1;
    while (!stack.empty()) {
      const std::size_t i = stack.back();
      stack.pop_back();
      group.push_back(i);
      const std::int64_t r0 = cells.linear[i] / grid.cols, c0 = cells.linear[i] % grid.cols;
      for (std::int64_t dr = -1; dr <= 1; ++dr)
        for (std::int64_t dc = -1; dc <= 1; ++dc) {
          if ((dr == 0 && dc == 0) || (!eight_connected && dr != 0 && dc != 0)) continue;
          const std::int64_t j = index.at(grid, r0 + dr, c0 + dc);
          if (j < 0) continue;
          const auto k = static_cast<std::size_t>(j);
          if (selected[k] == 0 || seen[k] != 0) continue;
          seen[k] = 1;
          stack.push_back(k);
        }
    }
    if (group.size() >= min_cells) {
      std::sort(group.begin(), group.end());
      out.push_back(std::move(group));
    }
  }
  return out;
}

}  // namespace rtm::recommend
