#pragma once
// Forecast surfaces scored beside the RTM risk score (METHOD.md §5, §7): the
// hot-spot baselines analysts use (kernel density of past incidents, past
// counts) and combinations of vulnerability (the environmental model) and
// exposure (where incidents have been). Every surface is one value per study
// cell, in compact order; higher = forecast riskier.
#include <cstdint>
#include <vector>

#include "core/study_cells.hpp"

namespace rtm::evaluate {

// Quartic-kernel density (per km²) at every study-cell centre of the given
// incident points, one vector per bandwidth (the kernel of ops::density_fields,
// the one ArcGIS and CrimeStat use).
std::vector<std::vector<double>> incident_kde(const std::vector<double>& x, const std::vector<double>& y,
                                              const StudyCells& cells, const std::vector<double>& bandwidths_m,
                                              double cell_size_m);

// "rtm_x_recent_kde": risk × (1 + kde / mean(kde)), the mean over the study
// cells. Where nothing happened recently the environmental risk alone ranks the
// cells; where it did, the recent density multiplies it. With no recent
// incident at all (mean 0) it is the risk score.
std::vector<double> risk_times_exposure(const std::vector<double>& risk, const std::vector<double>& kde);

// The negative binomial model as a prior on each cell's rate, updated by the
// cell's own count (Poisson-gamma empirical Bayes, "rtm_eb"):
//   NB2 (variance mu + mu^2/theta): rate ~ Gamma(shape theta, mean mu),
//       posterior mean = mu (y + theta) / (mu + theta);
//   NBII (variance mu (1 + sigma)):  rate ~ Gamma(shape mu/sigma, mean mu),
//       posterior mean = (sigma y + mu) / (1 + sigma);
//   Poisson (no overdispersion): the counts add nothing, posterior mean = mu.
// The prior carries vulnerability, the count exposure: a cell with no incident
// keeps a share of its expected rate, a cell with many is pulled toward them
// as far as the model's overdispersion says cells differ beyond the factors.
enum class PriorFamily { poisson, nb2, nbii };
std::vector<double> empirical_bayes_rate(const std::vector<double>& mu, const std::vector<std::int64_t>& y,
                                         PriorFamily family, double dispersion);

}  // namespace rtm::evaluate
