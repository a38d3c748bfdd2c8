#include "evaluate/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace rtm::evaluate {

std::vector<std::size_t> rank_cells(const std::vector<double>& score) {
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double sa = score[a], sb = score[b];
    const bool na = std::isnan(sa), nb = std::isnan(sb);
    if (na != nb) return nb;  // a non-NaN score ranks before a NaN one
    if (!na && sa != sb) return sa > sb;
    return a < b;
  });
  return order;
}

std::size_t cells_for_fraction(std::size_t cells, double fraction) {
  if (!(fraction > 0)) return 0;
  if (fraction >= 1) return cells;
  const double x = fraction * static_cast<double>(cells);
  const double r = std::round(x);
  // A product that should be a whole number (0.05 * 2000) may land a hair above it.
  const double k = std::fabs(x - r) <= 1e-9 * std::max(1.0, x) ? r : std::ceil(x);
  return std::min(cells, static_cast<std::size_t>(k));
}

std::size_t cells_for_budget(std::size_t cells, double cell_area_km2, double budget_km2) {
  if (!(budget_km2 > 0) || !(cell_area_km2 > 0)) return 0;
  const double x = budget_km2 / cell_area_km2;
  const double r = std::round(x);
  const double k = std::fabs(x - r) <= 1e-9 * std::max(1.0, x) ? r : std::floor(x);
  if (k >= static_cast<double>(cells)) return cells;
  return static_cast<std::size_t>(k);
}

std::int64_t max_catch(const std::vector<std::int64_t>& counts, std::size_t k) {
  k = std::min(k, counts.size());
  std::vector<std::int64_t> c(counts);
  std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k), c.end(), std::greater<>());
  return std::accumulate(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k), std::int64_t{0});
}

std::int64_t caught(const std::vector<std::size_t>& order, std::size_t k, const std::vector<std::int64_t>& counts) {
  k = std::min(k, order.size());
  std::int64_t n = 0;
  for (std::size_t i = 0; i < k; ++i) n += counts[order[i]];
  return n;
}

WindowMetrics score_selection(const std::vector<std::size_t>& order, std::size_t k,
                              const std::vector<std::int64_t>& test_counts) {
  std::vector<std::int64_t> sorted(test_counts);
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  return score_selection(order, k, test_counts, sorted);
}

WindowMetrics score_selection(const std::vector<std::size_t>& order, std::size_t k,
                              const std::vector<std::int64_t>& test_counts,
                              const std::vector<std::int64_t>& sorted_desc) {
  WindowMetrics m;
  const std::size_t cells = test_counts.size();
  k = std::min(k, order.size());
  m.cells_selected = k;
  m.area_fraction = cells == 0 ? 0.0 : static_cast<double>(k) / static_cast<double>(cells);
  m.total = std::accumulate(test_counts.begin(), test_counts.end(), std::int64_t{0});
  m.n = caught(order, k, test_counts);
  if (sorted_desc.size() == test_counts.size())
    m.n_star = std::accumulate(sorted_desc.begin(), sorted_desc.begin() + static_cast<std::ptrdiff_t>(k),
                               std::int64_t{0});
  else
    m.n_star = max_catch(test_counts, k);
  if (m.total > 0 && k > 0) {
    const double hit = static_cast<double>(m.n) / static_cast<double>(m.total);
    m.hit_rate = hit;
    m.pai = hit / m.area_fraction;
    // n* >= n always (n* is the best any k cells can do), and n* >= 1 when N > 0 and k >= 1.
    m.pei = static_cast<double>(m.n) / static_cast<double>(m.n_star);
  }
  return m;
}

std::optional<double> rri(std::int64_t n1, std::int64_t total1, std::int64_t n2, std::int64_t total2) {
  if (n1 <= 0 || total1 <= 0 || total2 <= 0) return std::nullopt;
  return (static_cast<double>(n2) / static_cast<double>(n1)) /
         (static_cast<double>(total2) / static_cast<double>(total1));
}

Mean mean_defined(const std::vector<std::optional<double>>& values) {
  Mean m;
  double sum = 0;
  for (const auto& v : values)
    if (v) {
      sum += *v;
      ++m.defined;
    }
  if (m.defined > 0) m.value = sum / static_cast<double>(m.defined);
  return m;
}

}  // namespace rtm::evaluate
