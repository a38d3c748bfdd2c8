#pragma once
// Risk classes (METHOD.md §5) and contiguous clusters of cells (§6).
#include <cstdint>
#include <vector>

#include "core/grid_spec.hpp"
#include "core/study_cells.hpp"

namespace rtm::recommend {

enum RiskClass : std::uint8_t { below_average = 0, above_average = 1, moderately_high = 2, highest = 3 };
const char* class_name(std::uint8_t c);

// Classes by standard deviations of the score over study cells: highest
// (> mean + 2 SD), moderately high (+1 to +2 SD), above average (mean to
// +1 SD), below average. Population SD.
std::vector<std::uint8_t> risk_classes(const std::vector<double>& score, double* mean = nullptr, double* sd = nullptr);

// Vulnerability x exposure per cell: 0 low risk, not hot; 1 low risk, hot;
// 2 high risk (moderately high or highest), not hot; 3 high risk and hot (priority).
std::vector<std::uint8_t> vulnerability_exposure(const std::vector<std::uint8_t>& classes,
                                                 const std::vector<std::uint8_t>& hot);
const char* vxe_name(std::uint8_t c);

// Connected groups of selected study cells (8- or 4-connected on the grid),
// each at least `min_cells` large, as lists of compact cell indices in
// increasing order; groups in order of their first cell.
std::vector<std::vector<std::size_t>> clusters(const GridSpec& grid, const StudyCells& cells,
                                               const std::vector<std::uint8_t>& selected, bool eight_connected,
                                               std::size_t min_cells);

}  // namespace rtm::recommend
