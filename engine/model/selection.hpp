#pragma once
// Selecting factors and weighting them, the RTMDx "best model" (METHOD.md §4):
// elastic-net Poisson screening with cross-validation, then bidirectional
// stepwise BIC from the null model with a Poisson and a negative binomial
// family; the family with the better BIC wins.
#include <cstdint>
#include <string>
#include <vector>

#include "model/elastic_net.hpp"
#include "model/glm.hpp"

namespace rtm::model {

struct SelectionOptions {
  double alpha = 0.5;
  int folds = 10;
  std::uint64_t seed = 1;
  Family negative_binomial = Family::nb2;  // which NB competes with the Poisson model
  std::string family = "auto";             // auto | poisson | nb2 | nbii
  int max_iterations = 100;                // per GLM fit (IRLS; NB2's outer loop)
};

struct Selection {
  CrossValidation cv;
  std::vector<double> screening_coef;   // per design column, at lambda.min (0: dropped)
  std::vector<std::size_t> screened;    // columns kept by screening (one band per factor and operationalization)
  GlmFit poisson;                       // stepwise result, Poisson
  GlmFit negbin;                        // stepwise result, negative binomial
  GlmFit chosen;
  std::vector<std::string> steps;       // what stepwise did, for the report
  double seconds_screening = 0, seconds_stepwise = 0;
  std::size_t pool_patterns = 0, chosen_patterns = 0;  // distinct row patterns of the screened columns, of the chosen model's
};

// `group` names the factor and operationalization of each column
// ("liquor_retail.proximity"): screening keeps at most one band per group.
Selection select_model(const Design& d, const std::vector<std::string>& group, const SelectionOptions& o);

// Bidirectional stepwise selection minimizing BIC, from the null model, over `pool`.
GlmFit stepwise_bic(const Design& d, const std::vector<std::size_t>& pool, Family family,
                    std::vector<std::string>* steps, const GlmOptions& glm = {});

}  // namespace rtm::model
