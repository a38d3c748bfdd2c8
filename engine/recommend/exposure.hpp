#pragma once
// Exposure (METHOD.md §5): where crime has been recently. Getis-Ord Gi* hot
// spots over cell counts with a distance band, and false-discovery-rate
// control over the cells.
#include <cstdint>
#include <vector>

#include "core/grid_spec.hpp"
#include "core/study_cells.hpp"

namespace rtm::recommend {

struct GiStar {
  std::vector<double> z;          // Gi* z-score per study cell (compact order)
  std::vector<double> p;          // two-sided normal p-value
  std::vector<double> q;          // Benjamini-Hochberg adjusted p-value
  std::vector<std::uint8_t> hot;  // z > 0 and q < fdr
  std::vector<std::size_t> neighbours;  // cells in each band (self included), for the report
};

// Gi* (Getis & Ord 1995, the statistic spdep::localG computes with a binary
// distance-band weights list that includes each cell itself): neighbours are
// the study cells whose centres lie within `distance_m` of the cell's centre.
GiStar getis_ord_gi_star(const GridSpec& grid, const StudyCells& cells, const std::vector<double>& x,
                         double distance_m, double fdr);

// Benjamini-Hochberg adjusted p-values (R's p.adjust(method = "BH")).
std::vector<double> bh_adjust(const std::vector<double>& p);

}  // namespace rtm::recommend
