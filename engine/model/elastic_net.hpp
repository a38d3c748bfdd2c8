#pragma once
// Elastic-net penalized Poisson regression over binary (bitset) columns, with
// glmnet's conventions: objective -loglik/n + lambda * ((1-alpha)/2 |b|^2 +
// alpha |b|_1) on standardized columns (population SD), unpenalized intercept,
// lambda_max from the null model, a log-spaced path, glmnet's early stop of
// the path, and k-fold cross-validation on the mean Poisson deviance.
#include <cstdint>
#include <vector>

#include "model/design.hpp"

namespace rtm::model {

struct ElasticNetOptions {
  double alpha = 0.5;
  int nlambda = 100;
  double lambda_min_ratio = -1;   // < 0: glmnet's default (1e-4 when cells > columns, else 1e-2)
  std::vector<double> lambdas;    // given: fit exactly these (no early stop), as glmnet(lambda = ...)
  // Convergence as glmnet's `thresh`: coordinate descent stops when no update
  // changes the objective by more than thresh * null deviance / rows.
  double thresh = 1e-7;
  int max_sweeps = 100000;
};

struct ElasticNetPath {
  std::vector<double> lambda;
  std::vector<double> a0;                 // intercept per lambda (original scale)
  std::vector<std::vector<double>> beta;  // per lambda, one per column (original scale)
  std::vector<double> dev_ratio;
  double null_deviance = 0;
};

// Fits the path on rows with weight 1 (`row_in` empty: all rows).
ElasticNetPath enet_poisson(const Design& d, const ElasticNetOptions& o, const std::vector<std::uint8_t>& row_in = {});

struct CrossValidation {
  ElasticNetPath path;          // fit on all rows
  std::vector<int> fold;        // fold id (1..k) per row
  std::vector<double> cvm, cvsd;  // mean Poisson deviance per lambda and its SE
  std::size_t best = 0;         // index of lambda.min
  std::size_t patterns = 0;      // distinct row patterns the path was fitted over
  std::size_t fold_patterns = 0; // distinct (row pattern, fold) pairs (each fold is fitted over the patterns)
};

// Deterministic folds: a seeded shuffle of rows dealt round-robin into k folds.
std::vector<int> make_folds(std::size_t n, int k, std::uint64_t seed);

CrossValidation cv_enet_poisson(const Design& d, const ElasticNetOptions& o, const std::vector<int>& fold);

}  // namespace rtm::model
