#pragma once
// Which features put a cell at risk: the features behind each risk factor's
// candidate, for risk narratives (METHOD.md §6) and investment leverage.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/bitset.hpp"
#include "core/feature_set.hpp"
#include "core/study_cells.hpp"

namespace rtm {
class PointIndex;
}
namespace rtm::io {
class GeometryIndex;
}

namespace rtm::recommend {

// A risk factor of the fitted model and the features behind it.
struct FactorTerm {
  std::string name;       // candidate name, e.g. liquor_retail.proximity.300m
  std::string factor;     // layer name
  std::string op;         // proximity | density
  double distance_m = 0;  // proximity distance or density bandwidth
  double coef = 0, rrv = 1;
  const FeatureSet* features = nullptr;
  int label_field = -1;   // attribute naming a feature, or -1
  const Bitset* bits = nullptr;  // the candidate over study cells
  double threshold = 0;   // density: the dichotomizing threshold
  double cell_size_m = 0; // density of lines samples every cell/4 metres, as ops does
};

// Finds the features of one factor near a point.
class FeatureFinder {
 public:
  explicit FeatureFinder(const FactorTerm& term);
  FeatureFinder(FeatureFinder&&) noexcept;
  ~FeatureFinder();
  // Proximity: (feature, distance) of the features within `radius` (<=), by feature.
  std::vector<std::pair<std::size_t, double>> within(double x, double y, double radius) const;
  // Density: (feature, kernel contribution) at (x, y) for the term's bandwidth,
  // identical to what ops::density_fields sums.
  std::vector<std::pair<std::size_t, double>> kernel(double x, double y) const;

 private:
  const FactorTerm& term_;
  std::unique_ptr<PointIndex> points_;        // point features (proximity)
  std::unique_ptr<io::GeometryIndex> geometries_;  // line and polygon features (proximity)
  std::unique_ptr<PointIndex> kernel_points_;
  std::vector<double> kx_, ky_, kw_;
  std::vector<std::size_t> owner_;                 // feature of each kernel point
};

// The features of a term responsible for the term being 1 on any of `place`
// (compact cell indices): within the distance (proximity) or contributing to
// the density (density). Sorted by distance to the place, then feature.
std::vector<std::pair<std::size_t, double>> responsible_features(const FactorTerm& term, const FeatureFinder& finder,
                                                                 const StudyCells& cells,
                                                                 const std::vector<std::size_t>& place);

struct FeatureLeverage {
  std::size_t feature = 0;
  double leverage = 0;     // expected incidents attributable to the feature alone
  std::size_t cells = 0;   // cells where it alone puts the factor on
};

// Investment leverage (METHOD.md §6) of each feature of a term: the sum, over
// the cells where removing that feature alone switches the term off (proximity:
// no other feature of the factor within the distance; density: the density
// without the feature falls to the threshold or below), of lambda_c (1 - 1/RRV).
std::vector<FeatureLeverage> leverage(const FactorTerm& term, const FeatureFinder& finder, const StudyCells& cells,
                                      const std::vector<double>& expected);

// The same for a factor that enters the model through several terms (e.g.
// proximity and density of one layer): at each cell a feature is credited
// lambda_c (1 - 1/prod RRV) over the terms it alone switches on there, as the
// multiplicative model implies (not the sum of the per-term shares).
std::vector<FeatureLeverage> leverage(const std::vector<const FactorTerm*>& terms,
                                      const std::vector<const FeatureFinder*>& finders, const StudyCells& cells,
                                      const std::vector<double>& expected);

// How a feature is named in narratives: its label attribute, else "#<source id>".
std::string feature_label(const FactorTerm& term, std::size_t feature);

}  // namespace rtm::recommend
