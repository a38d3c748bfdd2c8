#pragma once
// Count GLMs with a log link by maximum likelihood: Poisson, negative binomial
// NB2 (variance mu + mu^2/theta, as MASS::glm.nb) and NBII (variance
// mu (1 + sigma), as gamlss's NBII, which RTMDx uses).
#include <string>
#include <vector>

#include "model/design.hpp"

namespace rtm::model {

enum class Family { poisson, nb2, nbii };
const char* to_string(Family f);

struct GlmFit {
  Family family = Family::poisson;
  std::vector<std::size_t> columns;  // design columns in the model (intercept not included)
  std::vector<double> beta;          // intercept first, then one per column
  std::vector<double> se;            // standard errors (NB: conditional on the dispersion, as MASS)
  double loglik = 0;
  double aic = 0;
  double bic = 0;
  double deviance = 0;
  double theta = 0;   // NB2 size; +inf when no overdispersion is found
  double sigma = 0;   // NBII dispersion
  double pearson_dispersion = 0;  // Pearson chi^2 / residual df (Poisson overdispersion)
  int parameters = 0; // counted in AIC/BIC (coefficients + dispersion)
  int iterations = 0;
  bool converged = false;
  std::vector<double> eta;  // linear predictor per row (a warm start for nearby models)
};

struct GlmOptions {
  double tolerance = 1e-10;  // relative change in deviance (IRLS) and in log-likelihood (NB)
  int max_iterations = 100;
};

// Fits the model with the given design columns. Throws ModelError when the
// fit fails (singular design, no convergence).
// `start`: a fit of a nearby model (same family) whose linear predictor and
// dispersion start the iterations; the maximum reached is the same.
GlmFit fit_glm(const Design& d, const std::vector<std::size_t>& columns, Family family,
               const GlmOptions& options = {}, const GlmFit* start = nullptr);

// Maximum-likelihood NB2 theta for fixed means (MASS::theta.ml).
double theta_ml(const std::vector<double>& y, const std::vector<double>& mu, int max_iterations = 50);

}  // namespace rtm::model
