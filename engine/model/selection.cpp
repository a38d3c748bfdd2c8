#include "model/selection.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>

#include "core/parallel.hpp"
#include "model/patterns.hpp"

#include "core/error.hpp"
#include "core/progress.hpp"

namespace rtm::model {

namespace {
std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}
}  // namespace

GlmFit stepwise_bic(const Design& d, const std::vector<std::size_t>& pool, Family family,
                    std::vector<std::string>* steps, const GlmOptions& glm) {
  std::vector<std::size_t> current;
  // Poisson and NB2 are fitted over groups of cells sharing a row pattern
  // (exact; see model/patterns.hpp): per step the cells are grouped by the
  // current model's columns, an added column splits those groups.
  const bool grouped = family != Family::nbii;
  const CountStats cs = grouped ? count_stats(d.y) : CountStats{};
  Patterns P;
  if (grouped) P = group_rows(d, current);
  GlmFit best = grouped ? fit_glm_grouped(P, cs, current, family, glm, nullptr) : fit_glm(d, current, family, glm);
  if (steps) steps->push_back(std::string(to_string(family)) + ": null model, BIC " + fmt(best.bic));
  Progress progress(std::string("stepwise BIC (") + to_string(family) + ")", 0);
  for (int step = 0; step < 200; ++step) {
    // The moves: add each pool column not in the model, drop each column in it.
    std::vector<std::vector<std::size_t>> moves;
    std::vector<std::string> names;
    std::vector<std::size_t> added;  // per move: the column added (SIZE_MAX: a drop)
    if (grouped && step > 0) P = group_rows(d, current);
    for (std::size_t c : pool) {
      if (std::find(current.begin(), current.end(), c) != current.end()) continue;
      auto cols = current;
      cols.push_back(c);
      std::sort(cols.begin(), cols.end());
      moves.push_back(cols);
      added.push_back(c);
      names.push_back("+ " + d.names[c]);
    }
    for (std::size_t k = 0; k < current.size(); ++k) {
      auto cols = current;
      cols.erase(cols.begin() + static_cast<std::ptrdiff_t>(k));
      moves.push_back(cols);
      added.push_back(SIZE_MAX);
      names.push_back("- " + d.names[current[k]]);
    }
    // Fit them on all cores; pick the best in move order (deterministic).
    std::vector<std::optional<GlmFit>> fits(moves.size());
    parallel_for(moves.size(), [&](std::size_t m) {
      try {
        if (!grouped)
          fits[m] = fit_glm(d, moves[m], family, glm, &best);
        else if (added[m] != SIZE_MAX)
          fits[m] = fit_glm_grouped(refine(P, d, added[m]), cs, moves[m], family, glm, &best);
        else
          fits[m] = fit_glm_grouped(P, cs, moves[m], family, glm, &best);
      } catch (const ModelError&) {
        // a singular or non-converging candidate model is not a move
      }
    });
    progress.advance(static_cast<std::int64_t>(moves.size()));
    std::size_t chosen = moves.size();
    double chosen_bic = best.bic - 1e-9;
    for (std::size_t m = 0; m < moves.size(); ++m)
      if (fits[m] && fits[m]->bic < chosen_bic) {
        chosen = m;
        chosen_bic = fits[m]->bic;
      }
    if (chosen == moves.size()) break;
    best = std::move(*fits[chosen]);
    current = best.columns;
    if (steps) steps->push_back(std::string(to_string(family)) + ": " + names[chosen] + ", BIC " + fmt(best.bic));
  }
  if (grouped) fill_row_eta(d, best);
  return best;
}

Selection select_model(const Design& d, const std::vector<std::string>& group, const SelectionOptions& o) {
  if (d.cols() == 0) throw ModelError("no candidate varies over the study cells: nothing to select from");
  Selection s;
  ElasticNetOptions eo;
  eo.alpha = o.alpha;
  const auto t0 = std::chrono::steady_clock::now();
  s.cv = cv_enet_poisson(d, eo, make_folds(d.rows(), o.folds, o.seed));
  const auto t1 = std::chrono::steady_clock::now();
  s.seconds_screening = std::chrono::duration<double>(t1 - t0).count();
  s.screening_coef = s.cv.path.beta[s.cv.best];
  // At most one band per factor and operationalization: the largest standardized effect.
  std::map<std::string, std::size_t> strongest;
  for (std::size_t j = 0; j < d.cols(); ++j) {
    if (s.screening_coef[j] == 0) continue;
    const double sd = std::sqrt([&] {
      const double m = static_cast<double>(d.columns[j]->count()) / static_cast<double>(d.rows());
      return m * (1 - m);
    }());
    auto it = strongest.find(group[j]);
    if (it == strongest.end()) {
      strongest[group[j]] = j;
    } else {
      const std::size_t k = it->second;
      const double mk = static_cast<double>(d.columns[k]->count()) / static_cast<double>(d.rows());
      if (std::fabs(s.screening_coef[j]) * sd > std::fabs(s.screening_coef[k]) * std::sqrt(mk * (1 - mk)))
        it->second = j;
    }
  }
  for (const auto& [g, j] : strongest) s.screened.push_back(j);
  std::sort(s.screened.begin(), s.screened.end());

  const bool want_poisson = o.family == "auto" || o.family == "poisson";
  const bool want_nb = o.family != "poisson";
  const Family nb = o.family == "nb2" ? Family::nb2 : o.family == "nbii" ? Family::nbii : o.negative_binomial;
  GlmOptions glm;
  glm.max_iterations = o.max_iterations;
  if (want_poisson) s.poisson = stepwise_bic(d, s.screened, Family::poisson, &s.steps, glm);
  bool nb_fitted = want_nb;
  if (want_nb) {
    try {
      s.negbin = stepwise_bic(d, s.screened, nb, &s.steps, glm);
    } catch (const ModelError& e) {
      if (!want_poisson) throw;  // the family was forced
      nb_fitted = false;
      s.steps.push_back(std::string(to_string(nb)) + ": not a competitor, " + e.what());
    }
  }
  s.seconds_stepwise = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  s.pool_patterns = group_rows(d, s.screened).size();
  if (want_poisson && nb_fitted)
    s.chosen = s.negbin.bic < s.poisson.bic ? s.negbin : s.poisson;
  else
    s.chosen = nb_fitted ? s.negbin : s.poisson;
  s.chosen_patterns = group_rows(d, s.chosen.columns).size();
  return s;
}

}  // namespace rtm::model
