#pragma once
// Cells grouped by their row pattern. The design is binary, so the Poisson and
// NB2 likelihoods, scores, IRLS weights and deviances depend on the cells only
// through, per distinct pattern of the model's columns, the number of cells
// and sums of their counts (plus terms over the counts alone, taken from one
// histogram of the counts). Fitting over the groups instead of the cells is
// exact; only the order of floating-point sums changes.
#include <cstdint>
#include <utility>
#include <vector>

#include "model/design.hpp"
#include "model/glm.hpp"

namespace rtm::model {

struct Patterns {
  std::vector<std::size_t> cols;         // design columns: bit j of a key is cols[j]
  std::size_t words = 1;                 // 64-bit words per key (the fold, if any, is the last)
  std::vector<std::uint64_t> keys;       // groups * words
  std::vector<int> fold;                 // per group, when grouped by fold as well
  std::vector<double> n, y, y2;          // per group: cells, sum of counts, sum of squared counts
  std::vector<double> l01, ylogy;        // per group: sum (y+0.1) log(y+0.1), sum y log y
  std::vector<std::uint32_t> row_group;  // per row: its group (UINT32_MAX: row left out)
  std::size_t size() const { return n.size(); }
  bool bit(std::size_t g, std::size_t j) const { return (keys[g * words + j / 64] >> (j % 64)) & 1u; }
};

// Groups the rows (those with row_in != 0, all when row_in is null) by their
// values in `cols` (and their fold id when `fold` is given). Groups are
// numbered in order of first appearance, so the result is deterministic.
Patterns group_rows(const Design& d, const std::vector<std::size_t>& cols, const std::vector<int>* fold = nullptr,
                    const std::vector<std::uint8_t>* row_in = nullptr);

// Sums over all rows that do not depend on the model: the count histogram
// (value, multiplicity) and constants of the likelihood.
struct CountStats {
  double n = 0, ysum = 0, ylogy = 0, lgamma1 = 0;  // rows, sum y, sum y log y, sum lgamma(y+1)
  std::vector<std::pair<double, double>> hist;     // (count, rows with it), ascending
};
CountStats count_stats(const std::vector<double>& y);

// P refined by one more design column (appended as the last bit): each group
// splits into its cells with the column 0 and with it 1 (empty halves dropped).
// The l01 sums are not kept (fits on it need a start) and neither is row_group.
Patterns refine(const Patterns& P, const Design& d, std::size_t column);

// fit_glm (Poisson or NB2) over the groups of P, whose columns must include the
// model's and the start's. The fit's eta is left empty.
GlmFit fit_glm_grouped(const Patterns& P, const CountStats& cs, const std::vector<std::size_t>& columns, Family family,
                       const GlmOptions& o, const GlmFit* start);

// f.eta per row of d from f.beta.
void fill_row_eta(const Design& d, GlmFit& f);

}  // namespace rtm::model
