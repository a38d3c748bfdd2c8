#include "evaluate/baselines.hpp"

#include <cmath>

#include "core/feature_set.hpp"
#include "ops/operationalize.hpp"

namespace rtm::evaluate {

std::vector<std::vector<double>> incident_kde(const std::vector<double>& x, const std::vector<double>& y,
                                              const StudyCells& cells, const std::vector<double>& bandwidths_m,
                                              double cell_size_m) {
  FeatureSet fs;
  fs.name = "incidents";
  fs.kind = GeomKind::point;
  fs.features.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    fs.features[i].x = x[i];
    fs.features[i].y = y[i];
  }
  auto d = ops::density_fields(fs, cells, bandwidths_m, cell_size_m);
  for (auto& v : d)
    for (double& e : v) e *= 1e6;  // per m² -> per km²
  return d;
}

std::vector<double> risk_times_exposure(const std::vector<double>& risk, const std::vector<double>& kde) {
  double mean = 0;
  for (double v : kde) mean += v;
  mean = kde.empty() ? 0.0 : mean / static_cast<double>(kde.size());
  std::vector<double> out(risk.size());
  for (std::size_t i = 0; i < risk.size(); ++i) out[i] = risk[i] * (1.0 + (mean > 0 ? kde[i] / mean : 0.0));
  return out;
}

std::vector<double> empirical_bayes_rate(const std::vector<double>& mu, const std::vector<std::int64_t>& y,
                                         PriorFamily family, double dispersion) {
  std::vector<double> out(mu.size());
  for (std::size_t i = 0; i < mu.size(); ++i) {
    const double yi = static_cast<double>(y[i]);
    switch (family) {
      case PriorFamily::poisson: out[i] = mu[i]; break;
      case PriorFamily::nb2:
        out[i] = std::isfinite(dispersion) ? mu[i] * (yi + dispersion) / (mu[i] + dispersion) : mu[i];
        break;
      case PriorFamily::nbii: out[i] = (dispersion * yi + mu[i]) / (1.0 + dispersion); break;
    }
  }
  return out;
}

}  // namespace rtm::evaluate
