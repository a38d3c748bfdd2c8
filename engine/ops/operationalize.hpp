#pragma once
// Operationalizing risk factors (METHOD.md §3): every (factor, proximity or
// density, distance) triple becomes one binary candidate over the study cells.
#include <limits>
#include <string>
#include <vector>

#include "core/bitset.hpp"
#include "core/feature_set.hpp"
#include "core/study_cells.hpp"

namespace rtm::ops {

struct FactorInput {
  std::string name;
  const FeatureSet* features = nullptr;
  std::string method = "both";      // proximity | density | both
  std::vector<double> distances_m;  // the bands, ascending
};

struct Candidate {
  std::string factor;
  std::string op;           // proximity | density
  double distance_m = 0;
  std::string name;         // "liquor_retail.proximity.300m"
  Bitset bits;              // 1 where the cell is exposed
  std::size_t ones = 0;
  double threshold = 0;     // density: mean + 2 SD over study cells; proximity: the distance
};

// Exact distance from each study-cell centre to the nearest feature geometry
// (lines and polygons: GEOS, 0 inside a polygon), +infinity where it exceeds
// max_m. Points: binned on the grid (ops/proximity.hpp) when the cells' size
// and a finite max_m are given, a bucket index otherwise. Proximity bands need
// only max_m = the largest band.
std::vector<double> distance_field(const FeatureSet& fs, const StudyCells& cells, double cell_size_m = 0,
                                   double max_m = std::numeric_limits<double>::infinity());

// Quartic-kernel density at each study-cell centre, one vector per bandwidth:
// K(d) = 3/(pi h^2) (1 - d^2/h^2)^2 for d < h, per square metre, summed over
// the points exactly (no snapping). Row by row: each point within the widest
// bandwidth of a row adds its kernel to the row's columns within each
// bandwidth; rows run on all threads. The cells are centres of a grid of
// cell_size_m cells. Lines contribute points every cell/4 metres weighted by
// the length they stand for; polygons their point on surface.
std::vector<std::vector<double>> density_fields(const FeatureSet& fs, const StudyCells& cells,
                                                const std::vector<double>& bandwidths_m, double cell_size_m);

// 1 where value > mean + 2 SD (population SD over the study cells).
Bitset dichotomize_mean_2sd(const std::vector<double>& values, double* threshold);

std::string candidate_name(const std::string& factor, const std::string& op, double distance_m);

std::vector<Candidate> operationalize(const std::vector<FactorInput>& factors, const StudyCells& cells,
                                      double cell_size_m);

}  // namespace rtm::ops
