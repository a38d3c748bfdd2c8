#pragma once
// Forecast metrics (METHOD.md §7): ranking cells, choosing the cells that cover
// a share of the study area, hit rate, PAI, PEI and RRI.
//
// Notation: N incidents in the test window; the forecast picks k cells of total
// area a out of the study area A (all study cells have the same area, so
// a/A = k/cells); n incidents fall in them; n* is the most incidents any k cells
// could have caught (the sum of the k largest test counts, whatever the ties).
//
// Undefined values (an empty window, N = 0; no cell selected, k = 0; RRI with
// n1 = 0 or N2 = 0) are std::nullopt: they are written as JSON null (never NaN)
// and left out of averages.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace rtm::evaluate {

// Cell ids (positions in `score`) ordered by score descending, ties broken by
// cell id ascending. NaN scores rank last (by id among themselves).
std::vector<std::size_t> rank_cells(const std::vector<double>& score);

// The number of cells that covers `fraction` of `cells` equal-area cells: the
// smallest k with k/cells >= fraction, i.e. ceil(fraction * cells) (computed
// so that 0.05 * 2000 is 100, not 101), clamped to [0, cells].
std::size_t cells_for_fraction(std::size_t cells, double fraction);

// The number of cells that fits an area budget: the largest k with
// k * cell_area_km2 <= budget_km2 (a budget is not exceeded), clamped to [0, cells].
std::size_t cells_for_budget(std::size_t cells, double cell_area_km2, double budget_km2);

// n*: the sum of the k largest counts (ties among counts do not change it).
std::int64_t max_catch(const std::vector<std::int64_t>& counts, std::size_t k);

struct WindowMetrics {
  std::size_t cells_selected = 0;   // k
  double area_fraction = 0;         // a / A = k / cells
  std::int64_t n = 0;               // incidents in the selected cells
  std::int64_t total = 0;           // N
  std::int64_t n_star = 0;          // n*
  std::optional<double> hit_rate;   // n / N
  std::optional<double> pai;        // (n / N) / (a / A)
  std::optional<double> pei;        // n / n*
};

// Metrics of the first k cells of `order` (a ranking of all cells) against the
// test counts per cell. `sorted_desc` is the test counts sorted descending (for
// n*; pass an empty vector to have it computed).
WindowMetrics score_selection(const std::vector<std::size_t>& order, std::size_t k,
                              const std::vector<std::int64_t>& test_counts);
WindowMetrics score_selection(const std::vector<std::size_t>& order, std::size_t k,
                              const std::vector<std::int64_t>& test_counts,
                              const std::vector<std::int64_t>& sorted_desc);

// Recapture rate index of one set of hot-spot cells over two periods:
// (n2 / n1) / (N2 / N1). Undefined when n1 = 0 or N2 = 0 (N1 >= n1 > 0 then).
std::optional<double> rri(std::int64_t n1, std::int64_t total1, std::int64_t n2, std::int64_t total2);

// Incidents caught by the first k cells of `order`.
std::int64_t caught(const std::vector<std::size_t>& order, std::size_t k, const std::vector<std::int64_t>& counts);

// Mean of the defined values and how many there were (nullopt when none).
struct Mean {
  std::optional<double> value;
  std::size_t defined = 0;
};
Mean mean_defined(const std::vector<std::optional<double>>& values);

}  // namespace rtm::evaluate
