#include "pipeline/model_step.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "core/timings.hpp"
#include "core/version.hpp"

namespace rtm::pipeline {

namespace {

double p_value(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

nlohmann::json grid_json(const GridSpec& g) {
  return {{"crs", g.crs_name}, {"cell_size_m", g.cell_size_m}, {"west", g.west},
          {"north", g.north},  {"cols", g.cols},               {"rows", g.rows}};
}

void check_grid(const nlohmann::json& saved, const GridSpec& g) {
  const nlohmann::json now = grid_json(g);
  for (const char* k : {"crs", "cell_size_m", "west", "north", "cols", "rows"}) {
    if (!saved.contains(k) || saved[k] != now[k])
      throw ModelError("the saved model was fitted on another grid: " + std::string(k) + " is " +
                       (saved.contains(k) ? saved[k].dump() : std::string("missing")) + " in the model, " +
                       now[k].dump() + " in this study; re-select the model on this study (run without --model)");
  }
}

std::vector<float> grid_values(const Study& s, const StudyCells& cells, const std::vector<double>& v) {
  std::vector<float> out(static_cast<std::size_t>(s.grid.cell_count()), -1.0f);
  for (std::size_t i = 0; i < cells.size(); ++i) out[static_cast<std::size_t>(cells.linear[i])] = static_cast<float>(v[i]);
  return out;
}

}  // namespace

std::vector<ops::Candidate> build_candidates(const Study& study, StudyCells* cells) {
  *cells = study_cells(study.grid, study.mask);
  std::vector<ops::FactorInput> inputs;
  for (std::size_t i = 0; i < study.layers.size(); ++i) {
    const LayerConfig& lc = study.config.layers[i];
    inputs.push_back({lc.name, &study.layers[i], lc.ops.method, lc.ops.distances_m(study.config.block_length_m)});
  }
  return ops::operationalize(inputs, *cells, study.grid.cell_size_m);
}

std::string candidate_summary(const Study& study) {
  StudyCells cells;
  const auto cands = build_candidates(study, &cells);
  std::string constant;
  std::size_t n_constant = 0;
  for (const auto& c : cands)
    if (c.ones == 0 || c.ones == cells.size()) {
      ++n_constant;
      constant += "  warning: candidate " + c.name + " is " + (c.ones == 0 ? "0" : "1") +
                  " in every study cell: it cannot be selected\n";
    }
  return "candidates " + std::to_string(cands.size()) + " built over " + std::to_string(cells.size()) +
         " study cells; " + std::to_string(n_constant) + " constant\n" + constant;
}

ModelResult fit_study_model(const Study& study, const nlohmann::json* saved) {
  StudyCells cells;
  std::vector<ops::Candidate> candidates = [&] {
    StageTimer t("  operationalize");
    return build_candidates(study, &cells);
  }();
  StageTimer t("  select and score");
  return fit_model_on_counts(study, cells, candidates, study.counts, saved);
}

ModelResult fit_model_on_counts(const Study& study, const StudyCells& cells,
                                const std::vector<ops::Candidate>& candidates,
                                const std::vector<std::int32_t>& counts, const nlohmann::json* saved) {
  ModelResult r;
  r.cells = cells;
  r.candidates = candidates;
  const std::size_t n = r.cells.size();
  model::Design d;
  d.y.resize(n);
  double incidents = 0, cells_with = 0;
  for (std::size_t i = 0; i < n; ++i) {
    d.y[i] = counts[static_cast<std::size_t>(r.cells.linear[i])];
    incidents += d.y[i];
    cells_with += d.y[i] > 0 ? 1 : 0;
  }
  std::vector<std::string> group;
  for (std::size_t c = 0; c < r.candidates.size(); ++c) {
    const auto& cand = r.candidates[c];
    if (cand.ones == 0 || cand.ones == n) {
      r.constant.push_back(cand.name);
      continue;
    }
    r.design_columns.push_back(c);
    d.columns.push_back(&cand.bits);
    d.names.push_back(cand.name);
    group.push_back(cand.factor + "." + cand.op);
  }

  const ModelConfig& mc = study.config.model;
  nlohmann::json& rep = r.report;
  rep["mode"] = mc.mode;
  rep["cells"] = n;
  rep["cells_with_incidents"] = cells_with;
  rep["incidents"] = incidents;
  rep["candidates"] = r.candidates.size();
  rep["constant_candidates"] = r.constant;

  std::vector<double> score(n, 0.0);
  if (mc.mode == "additive") {
    // 2009-2011 RTM: per factor, a density surface at its largest influence
    // scored 0-3 (above the mean, +1 SD, +2 SD); scores summed over factors.
    nlohmann::json factors = nlohmann::json::array();
    for (std::size_t i = 0; i < study.layers.size(); ++i) {
      const LayerConfig& lc = study.config.layers[i];
      const double h = lc.ops.distances_m(study.config.block_length_m).back();
      const auto dens = ops::density_fields(study.layers[i], r.cells, {h}, study.grid.cell_size_m)[0];
      double mean = 0, ss = 0;
      for (double v : dens) mean += v;
      mean /= static_cast<double>(n);
      for (double v : dens) ss += (v - mean) * (v - mean);
      const double sd = std::sqrt(ss / static_cast<double>(n));
      for (std::size_t c = 0; c < n; ++c)
        score[c] += (dens[c] > mean ? 1 : 0) + (dens[c] > mean + sd ? 1 : 0) + (dens[c] > mean + 2 * sd ? 1 : 0);
      factors.push_back({{"factor", lc.name}, {"bandwidth_m", h}, {"mean", mean}, {"sd", sd}});
    }
    rep["additive_factors"] = factors;
    r.risk = grid_values(study, r.cells, score);
    r.risk_max = *std::max_element(score.begin(), score.end());
    rep["risk_score"] = {{"min", *std::min_element(score.begin(), score.end())}, {"max", r.risk_max},
                         {"meaning", "sum over factors of density scores 0-3"}};
    return r;
  }

  // Coefficients: selected here, or taken from a saved model.
  struct Term {
    std::size_t candidate;
    double coef, se;
  };
  std::vector<Term> terms;
  double intercept = 0;
  std::string family;
  nlohmann::json fit_stats;
  if (saved != nullptr) {
    r.reapplied = true;
    check_grid((*saved)["grid"], study.grid);
    intercept = (*saved)["intercept"].get<double>();
    family = (*saved)["family"].get<std::string>();
    for (const auto& f : (*saved)["factors"]) {
      const std::string name = f["name"].get<std::string>();
      auto it = std::find_if(r.candidates.begin(), r.candidates.end(),
                             [&](const ops::Candidate& c) { return c.name == name; });
      if (it == r.candidates.end())
        throw ModelError("the saved model uses " + name + ", which this study does not define (layer missing or "
                         "operationalized differently)");
      terms.push_back({static_cast<std::size_t>(it - r.candidates.begin()), f["coef"].get<double>(),
                       f["se"].get<double>()});
    }
    rep["reapplied_model"] = (*saved)["id"];
    fit_stats = (*saved)["fit"];
  } else {
    if (d.cols() == 0)
      throw ModelError("every candidate is constant over the study cells: no factor can be selected (check the "
                       "layers and the spatial influence)");
    model::SelectionOptions so;
    so.alpha = mc.alpha;
    so.folds = static_cast<int>(mc.folds);
    so.seed = static_cast<std::uint64_t>(mc.seed);
    so.family = mc.family;
    so.negative_binomial = mc.negative_binomial == "nbii" ? model::Family::nbii : model::Family::nb2;
    so.max_iterations = static_cast<int>(mc.max_iterations);
    r.selection = model::select_model(d, group, so);
    const model::GlmFit& g = r.selection.chosen;
    intercept = g.beta[0];
    family = model::to_string(g.family);
    for (std::size_t k = 0; k < g.columns.size(); ++k)
      terms.push_back({r.design_columns[g.columns[k]], g.beta[k + 1], g.se[k + 1]});
    fit_stats = {{"loglik", g.loglik},
                 {"aic", g.aic},
                 {"bic", g.bic},
                 {"deviance", g.deviance},
                 {"parameters", g.parameters},
                 {"pearson_dispersion", g.pearson_dispersion},
                 {"iterations", g.iterations}};
    if (g.family == model::Family::nb2)
      fit_stats["theta"] = std::isfinite(g.theta) ? nlohmann::json(g.theta) : nlohmann::json("inf");
    if (g.family == model::Family::nbii) fit_stats["sigma"] = g.sigma;
    const auto& cv = r.selection.cv;
    nlohmann::json screened = nlohmann::json::array();
    for (std::size_t j : r.selection.screened) screened.push_back(d.names[j]);
    rep["screening"] = {{"method", "elastic-net Poisson, glmnet conventions"},
                        {"alpha", mc.alpha},
                        {"folds", mc.folds},
                        {"seed", mc.seed},
                        {"lambdas", cv.path.lambda.size()},
                        {"lambda_min", cv.path.lambda[cv.best]},
                        {"cv_deviance_min", cv.cvm[cv.best]},
                        {"nonzero", std::count_if(r.selection.screening_coef.begin(), r.selection.screening_coef.end(),
                                                  [](double b) { return b != 0; })},
                        {"kept", screened}};
    nlohmann::json fams = nlohmann::json::object();
    if (!r.selection.poisson.beta.empty()) fams["poisson"] = {{"bic", r.selection.poisson.bic}, {"aic", r.selection.poisson.aic}};
    if (!r.selection.negbin.beta.empty())
      fams[model::to_string(r.selection.negbin.family)] = {{"bic", r.selection.negbin.bic}, {"aic", r.selection.negbin.aic}};
    rep["families_compared"] = fams;
    rep["stepwise"] = r.selection.steps;
    rep["seconds"] = {{"screening", r.selection.seconds_screening}, {"stepwise", r.selection.seconds_stepwise}};
    // The fits run over groups of cells sharing a row pattern: how many.
    rep["row_patterns"] = {{"screening", cv.patterns},
                           {"screening_by_fold", cv.fold_patterns},
                           {"screened_pool", r.selection.pool_patterns},
                           {"chosen_model", r.selection.chosen_patterns}};
  }

  // Relative risk values and the risk score.
  nlohmann::json factors = nlohmann::json::array(), protective = nlohmann::json::array();
  std::vector<double> eta(n, intercept);
  for (const Term& t : terms) {
    const ops::Candidate& c = r.candidates[t.candidate];
    c.bits.for_each([&](std::size_t i) {
      eta[i] += t.coef;
      if (t.coef > 0) score[i] += t.coef;
    });
    const double z = t.coef / t.se;
    nlohmann::json f{{"name", c.name},
                     {"factor", c.factor},
                     {"operationalization", c.op},
                     {"distance_m", c.distance_m},
                     {"coef", t.coef},
                     {"se", t.se},
                     {"z", z},
                     {"p_value", p_value(z)},
                     {"rrv", std::exp(t.coef)},
                     {"rrv_ci95", {std::exp(t.coef - 1.959963984540054 * t.se), std::exp(t.coef + 1.959963984540054 * t.se)}},
                     {"cells_exposed", c.ones},
                     {"protective", t.coef < 0}};
    if (c.op == "density") f["density_threshold"] = c.threshold;
    (t.coef > 0 ? factors : protective).push_back(f);
  }
  std::sort(factors.begin(), factors.end(), [](const auto& a, const auto& b) { return a["rrv"] > b["rrv"]; });
  r.expected.resize(n);
  double expected_total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    r.expected[i] = std::exp(eta[i]);
    expected_total += r.expected[i];
  }
  rep["expected_total"] = expected_total;  // sum of lambda over study cells (Poisson: equals the incidents)
  const double smin = *std::min_element(score.begin(), score.end());
  for (double& v : score) v = std::exp(v - smin);  // lowest study cell = 1
  r.risk = grid_values(study, r.cells, score);
  r.risk_max = *std::max_element(score.begin(), score.end());

  rep["family"] = family;
  rep["intercept"] = intercept;
  rep["fit"] = fit_stats;
  rep["factors"] = factors;
  rep["protective_factors"] = protective;
  rep["risk_score"] = {{"min", 1.0}, {"max", r.risk_max},
                       {"meaning", "product of the RRVs of the risk factors present, lowest study cell = 1"}};

  nlohmann::json model_factors = nlohmann::json::array();
  for (const auto& f : factors) model_factors.push_back(f);
  for (const auto& f : protective) model_factors.push_back(f);
  r.saved_model = {{"format", "rtm-model"},
                   {"format_version", 1},
                   {"created_by", std::string("rtm ") + kRtmVersion},
                   {"study", study.config.name},
                   {"crime_type", study.config.incidents.crime_type},
                   {"training_window", {{"start", study.config.incidents.train_start}, {"end", study.config.incidents.train_end}}},
                   {"grid", grid_json(study.grid)},
                   {"block_length_m", study.config.block_length_m},
                   {"family", family},
                   {"intercept", intercept},
                   {"fit", fit_stats},
                   {"factors", model_factors}};
  if (saved != nullptr) {
    r.saved_model["id"] = (*saved)["id"];
    r.saved_model["training_window"] = (*saved)["training_window"];
  } else {
    r.saved_model["id"] = study.config.name + "@" + study.config.incidents.train_start + ".." +
                          study.config.incidents.train_end;
  }

  r.candidates_json = nlohmann::json::array();
  for (std::size_t c = 0; c < r.candidates.size(); ++c) {
    const auto& cand = r.candidates[c];
    nlohmann::json j{{"name", cand.name},         {"factor", cand.factor}, {"operationalization", cand.op},
                     {"distance_m", cand.distance_m}, {"cells_with_1", cand.ones},
                     {"constant", cand.ones == 0 || cand.ones == n}};
    if (cand.op == "density") j["density_threshold"] = cand.threshold;
    auto col = std::find(r.design_columns.begin(), r.design_columns.end(), c);
    if (!r.reapplied && col != r.design_columns.end())
      j["screening_coef"] = r.selection.screening_coef[static_cast<std::size_t>(col - r.design_columns.begin())];
    r.candidates_json.push_back(j);
  }
  return r;
}

}  // namespace rtm::pipeline
