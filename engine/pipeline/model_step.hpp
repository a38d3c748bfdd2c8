#pragma once
// From a loaded study to a fitted model and its risk surface: operationalize
// every factor, select and weight, score every study cell.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/selection.hpp"
#include "ops/operationalize.hpp"
#include "pipeline/study.hpp"

namespace rtm::pipeline {

struct ModelResult {
  StudyCells cells;
  std::vector<ops::Candidate> candidates;   // every candidate built
  std::vector<std::string> constant;        // candidates constant over the study cells (not used)
  std::vector<std::size_t> design_columns;  // candidate index of each design column
  model::Selection selection;
  bool reapplied = false;                   // coefficients from a saved model
  std::vector<float> risk;                  // relative risk score per grid cell (-1 outside the study cells)
  std::vector<double> expected;             // model's expected incidents per study cell (lambda)
  double risk_max = 0;
  nlohmann::json report;                    // the model section of report.json
  nlohmann::json saved_model;               // model.json
  nlohmann::json candidates_json;           // candidates.json
};

// Builds every candidate (all factors, operationalizations and bands).
std::vector<ops::Candidate> build_candidates(const Study& study, StudyCells* cells);

// "N candidates, M constant" and a warning line per constant candidate, for `rtm validate`.
std::string candidate_summary(const Study& study);

// Fits the model of the study file on the study's counts (or re-applies
// `saved`, when not null).
ModelResult fit_study_model(const Study& study, const nlohmann::json* saved);

// The same on other counts (a grid-sized vector, e.g. another training window)
// with candidates built once by build_candidates (backtests refit many times).
ModelResult fit_model_on_counts(const Study& study, const StudyCells& cells,
                                const std::vector<ops::Candidate>& candidates,
                                const std::vector<std::int32_t>& counts, const nlohmann::json* saved);

}  // namespace rtm::pipeline
