#include "recommend/exposure.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rtm::recommend {

std::vector<double> bh_adjust(const std::vector<double>& p) {
  const std::size_t n = p.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
  std::vector<double> q(n);
  double running = 1.0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = order[k];
    const double rank = static_cast<double>(n - k);  // rank in increasing order
    running = std::min(running, p[i] * static_cast<double>(n) / rank);
    q[i] = std::min(1.0, running);
  }
  return q;
}

GiStar getis_ord_gi_star(const GridSpec& grid, const StudyCells& cells, const std::vector<double>& x,
                         double distance_m, double fdr) {
  const std::size_t n = cells.size();
  const StudyCellIndex index(grid, cells);
  // Offsets of the cells whose centres lie within the band.
  const auto reach = static_cast<std::int64_t>(std::floor(distance_m / grid.cell_size_m));
  std::vector<std::pair<std::int64_t, std::int64_t>> offsets;
  for (std::int64_t dr = -reach; dr <= reach; ++dr)
    for (std::int64_t dc = -reach; dc <= reach; ++dc) {
      const double d = std::hypot(static_cast<double>(dr), static_cast<double>(dc)) * grid.cell_size_m;
      if (d <= distance_m * (1 + 1e-12)) offsets.emplace_back(dr, dc);
    }
  const double nn = static_cast<double>(n);
  double sum = 0, sum2 = 0;
  for (double v : x) {
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / nn;
  const double s = std::sqrt(sum2 / nn - mean * mean);
  GiStar g;
  g.z.assign(n, 0.0);
  g.p.assign(n, 1.0);
  g.neighbours.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t r0 = cells.linear[i] / grid.cols, c0 = cells.linear[i] % grid.cols;
    double wx = 0, w = 0;
    for (const auto& [dr, dc] : offsets) {
      const std::int64_t j = index.at(grid, r0 + dr, c0 + dc);
      if (j < 0) continue;
      wx += x[static_cast<std::size_t>(j)];
      w += 1.0;
    }
    g.neighbours[i] = static_cast<std::size_t>(w);
    const double denom = s * std::sqrt((nn * w - w * w) / (nn - 1.0));  // binary weights: S1* = W*
    g.z[i] = denom > 0 ? (wx - mean * w) / denom : 0.0;
    g.p[i] = std::erfc(std::fabs(g.z[i]) / std::sqrt(2.0));
  }
  g.q = bh_adjust(g.p);
  g.hot.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) g.hot[i] = g.z[i] > 0 && g.q[i] < fdr ? 1 : 0;
  return g;
}

}  // namespace rtm::recommend
