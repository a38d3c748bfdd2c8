#include "pipeline/backtest.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/version.hpp"
#include "evaluate/baselines.hpp"
#include "evaluate/charts.hpp"
#include "evaluate/metrics.hpp"
#include "io/output_dir.hpp"
#include "pipeline/model_step.hpp"
#include "pipeline/study.hpp"

namespace fs = std::filesystem;

namespace rtm::pipeline {

namespace {

constexpr std::int64_t kDay = 86400;

// The method the engine recommends (vulnerability and exposure combined).
const char* const kDefaultMethod = "rtm_eb";

// Coverages scored and reported (share of the study area), and the curve of the chart.
const double kCoverages[] = {0.01, 0.05, 0.10, 0.20};
const char* const kCoverageKeys[] = {"1%", "5%", "10%", "20%"};
constexpr std::size_t kNumCoverages = 4;
constexpr int kCurveMaxPercent = 25;

// Kernel-density baselines: windows of past incidents (days; 0 = the training
// window) by bandwidths. Documented in README "Backtesting".
struct KdeSpec {
  std::string name;
  std::int64_t days;  // 0: the training window
  double bandwidth_m;
};
const std::vector<KdeSpec>& kde_specs() {
  static const std::vector<KdeSpec> specs = {
      {"kde_4w_150m", 28, 150},     {"kde_4w_300m", 28, 300},     {"kde_12w_150m", 84, 150},
      {"kde_12w_300m", 84, 300},    {"kde_train_150m", 0, 150},   {"kde_train_300m", 0, 300}};
  return specs;
}

struct MethodInfo {
  std::string name, kind, description;
};

std::vector<MethodInfo> method_list(bool with_eb, std::int64_t recent_weeks, double recent_bandwidth_m) {
  std::vector<MethodInfo> m;
  m.push_back({"rtm", "vulnerability",
               "RTM relative risk score of the model fitted (or re-applied) on the training window: environment alone"});
  if (with_eb)
    m.push_back({"rtm_eb", "vulnerability x exposure",
                 "empirical Bayes: the negative binomial model's expected count of each cell (vulnerability) as a "
                 "gamma prior, updated by the cell's own training-window count (exposure); NB2: mu (y + theta) / "
                 "(mu + theta), NBII: (sigma y + mu) / (1 + sigma), Poisson: mu"});
  {
    std::ostringstream d;
    d << "risk score x (1 + E / mean(E)), E the exposure surface of [exposure]: quartic KDE of the last " << recent_weeks
      << " weeks' incidents, bandwidth " << recent_bandwidth_m << " m; mean over the study cells";
    m.push_back({"rtm_x_recent_kde", "vulnerability x exposure", d.str()});
  }
  for (const auto& k : kde_specs()) {
    std::ostringstream d;
    d << "quartic kernel density of the incidents of "
      << (k.days == 0 ? std::string("the training window") : "the last " + std::to_string(k.days) + " days")
      << ", bandwidth " << k.bandwidth_m << " m";
    m.push_back({k.name, "exposure baseline", d.str()});
  }
  m.push_back({"last_window_counts", "exposure baseline",
               "incidents per cell in the last step (the window just before the test window)"});
  m.push_back({"train_counts", "exposure baseline", "incidents per cell in the training window"});
  return m;
}

std::int64_t parse_date(const std::string& text, const char* option) {
  const auto t = parse_civil_time(text, "%Y-%m-%d");
  if (!t || *t % kDay != 0)
    throw UsageError(std::string(option) + " expects a date YYYY-MM-DD, got '" + text + "'");
  return *t;
}

nlohmann::json opt_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

std::string csv_num(const std::optional<double>& v) {
  if (!v) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", *v);
  return buf;
}

struct Incident {
  std::int64_t t;
  std::size_t cell;  // compact study-cell index
  double x, y;
};

struct Scored {
  evaluate::WindowMetrics m;
  std::optional<double> rri;
};

struct ModelRecord {
  std::string id;
  std::size_t selected_for_window = 0;
  std::string train_start, train_end;
  nlohmann::json summary;
};

}  // namespace

int reselect_days(const std::string& cadence) {
  if (cadence == "every") return 0;
  if (cadence == "once") return -1;
  if (cadence.size() >= 2 && cadence.back() == 'w' &&
      std::all_of(cadence.begin(), cadence.end() - 1, [](char c) { return c >= '0' && c <= '9'; }) &&
      cadence.size() <= 5) {
    const int weeks = std::stoi(cadence.substr(0, cadence.size() - 1));
    if (weeks >= 1) return weeks * 7;
  }
  throw UsageError("--reselect expects every, once or a number of weeks such as 4w, got '" + cadence + "'");
}

BacktestResult run_backtest(const BacktestOptions& o) {
  const auto clock_start = std::chrono::steady_clock::now();
  const int cadence_days = reselect_days(o.reselect);
  if (o.step_days < 1) throw UsageError("--step-days must be at least 1, got " + std::to_string(o.step_days));
  if (!(o.budget_km2 >= 0) || !std::isfinite(o.budget_km2))
    throw UsageError("--budget-km2 must be a number of square kilometres >= 0");

  // Dates first: a usage error leaves nothing behind.
  const bool has_start = !o.test_start.empty(), has_end = !o.test_end.empty();
  const std::int64_t given_start = has_start ? parse_date(o.test_start, "--test-start") : 0;
  const std::int64_t given_end = has_end ? parse_date(o.test_end, "--test-end") : 0;
  if (has_start && has_end && given_end < given_start)
    throw UsageError("--test-end " + o.test_end + " is before --test-start " + o.test_start);

  const StudyConfig config = load_study_config(o.study_file);
  if (config.incidents.source.date_column.empty())
    throw ConfigError(config.file + ": [incidents] date_column is needed for a backtest (incidents must be dated)");
  if (!config.incidents.train)
    throw ConfigError(config.file + ": [incidents] train_start and train_end are needed for a backtest: they give "
                                    "the training-window length");
  const std::int64_t train_len = config.incidents.train->end_s - config.incidents.train->start_s;
  const std::int64_t step = static_cast<std::int64_t>(o.step_days) * kDay;
  io::prepare_output_dir(o.out_dir);

  const Study study = load_study(config);
  StudyCells cells;
  const std::vector<ops::Candidate> candidates = build_candidates(study, &cells);
  const std::size_t nc = cells.size();
  const bool additive = config.model.mode == "additive";

  // Dated incidents in study cells, in time order.
  const StudyCellIndex index(study.grid, cells);
  std::vector<Incident> inc;
  std::int64_t last_t = INT64_MIN, first_t = INT64_MAX;
  for (const Feature& f : study.incidents.features) {
    if (!f.time_s) continue;
    first_t = std::min(first_t, *f.time_s);
    last_t = std::max(last_t, *f.time_s);
    const std::int64_t k = index.of_point(study.grid, f.x, f.y);
    if (k < 0) continue;
    inc.push_back({*f.time_s, static_cast<std::size_t>(k), f.x, f.y});
  }
  std::stable_sort(inc.begin(), inc.end(), [](const Incident& a, const Incident& b) { return a.t < b.t; });
  if (inc.empty()) throw DataError("incidents: no dated incident lies in a study cell");
  auto range = [&](std::int64_t from, std::int64_t to) {
    const auto a = std::lower_bound(inc.begin(), inc.end(), from, [](const Incident& i, std::int64_t t) { return i.t < t; });
    const auto b = std::lower_bound(inc.begin(), inc.end(), to, [](const Incident& i, std::int64_t t) { return i.t < t; });
    return std::make_pair(a, b);
  };
  auto counts_in = [&](std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> c(nc, 0);
    auto [a, b] = range(from, to);
    for (auto it = a; it != b; ++it) ++c[it->cell];
    return c;
  };
  auto kde_in = [&](std::int64_t from, std::int64_t to, const std::vector<double>& bw) {
    std::vector<double> x, y;
    auto [a, b] = range(from, to);
    for (auto it = a; it != b; ++it) {
      x.push_back(it->x);
      y.push_back(it->y);
    }
    return evaluate::incident_kde(x, y, cells, bw, study.grid.cell_size_m);
  };

  // The test period.
  const std::int64_t test_start = has_start ? given_start : config.incidents.train->end_s;
  const std::int64_t data_end = (last_t / kDay + 1) * kDay;  // end of the last incident's day (times are after 1970)
  std::int64_t test_end_excl;
  if (!has_end)
    test_end_excl = std::min(test_start + 364 * kDay, std::max(data_end, test_start));
  else
    test_end_excl = given_end + kDay;
  if (test_end_excl - test_start < step)
    throw UsageError("the test period " + format_civil_date(test_start) + " .. " +
                     format_civil_date(test_end_excl - kDay) + " is shorter than one step of " +
                     std::to_string(o.step_days) + " days" +
                     (o.test_end.empty() ? " (the data ends " + format_civil_date(last_t) + ")" : ""));
  const std::size_t windows = static_cast<std::size_t>((test_end_excl - test_start) / step);
  const std::int64_t leftover_days = (test_end_excl - test_start - static_cast<std::int64_t>(windows) * step) / kDay;

  std::vector<std::string> warnings;
  if (test_start - train_len < first_t)
    warnings.push_back("the first training window starts " + format_civil_date(test_start - train_len) +
                       ", before the first dated incident (" + format_civil_date(first_t) + "): its counts are short");
  if (test_start + static_cast<std::int64_t>(windows) * step > data_end)
    warnings.push_back("test windows run past the last dated incident (" + format_civil_date(last_t) +
                       "): windows after it are empty and their metrics undefined");
  if (leftover_days > 0)
    warnings.push_back("the last " + std::to_string(leftover_days) +
                       " day(s) of the test period do not fill a window and are not scored");

  // The exposure surface of the decisions step ([exposure] weeks and bandwidth).
  const std::int64_t recent_days = config.exposure.weeks * 7;
  const double recent_bw = config.exposure.bandwidth_m > 0 ? config.exposure.bandwidth_m : 1.5 * config.block_length_m;
  const std::vector<MethodInfo> methods = method_list(!additive, config.exposure.weeks, recent_bw);
  const std::size_t nm = methods.size();
  const double cell_km2 = study.grid.cell_size_m * study.grid.cell_size_m / 1e6;
  std::size_t k_cov[kNumCoverages];
  for (std::size_t c = 0; c < kNumCoverages; ++c) k_cov[c] = evaluate::cells_for_fraction(nc, kCoverages[c]);
  const std::size_t k_budget = evaluate::cells_for_budget(nc, cell_km2, o.budget_km2);
  const std::size_t ncov = kNumCoverages + 1;  // + budget
  auto k_of = [&](std::size_t c) { return c < kNumCoverages ? k_cov[c] : k_budget; };
  std::vector<std::size_t> k_curve;
  for (int p = 1; p <= kCurveMaxPercent; ++p) k_curve.push_back(evaluate::cells_for_fraction(nc, p / 100.0));

  // results[window][method][coverage]
  std::vector<std::vector<std::vector<Scored>>> results(windows, std::vector<std::vector<Scored>>(nm, std::vector<Scored>(ncov)));
  std::vector<std::vector<double>> curve_sum(nm, std::vector<double>(k_curve.size(), 0.0));
  std::vector<std::vector<std::size_t>> curve_n(nm, std::vector<std::size_t>(k_curve.size(), 0));
  std::vector<std::vector<std::size_t>> prev_order(nm);
  std::vector<std::int64_t> totals(windows, 0), train_totals(windows, 0);
  std::vector<std::size_t> window_model(windows, 0);
  // Where each method wins: test incidents caught at each coverage in cells
  // with and without an incident in the training window (summed over windows).
  std::int64_t test_in_new = 0, test_in_old = 0;
  std::vector<std::vector<std::int64_t>> caught_new(nm, std::vector<std::int64_t>(ncov, 0)),
      caught_old(nm, std::vector<std::int64_t>(ncov, 0)), picked_new(nm, std::vector<std::int64_t>(ncov, 0));
  std::vector<bool> window_selected(windows, false);
  std::vector<ModelRecord> models;
  nlohmann::json last_saved;
  std::int64_t last_selection_start = 0;
  double fit_seconds = 0;

  Progress progress("backtest windows", static_cast<std::int64_t>(windows));
  for (std::size_t w = 0; w < windows; ++w) {
    const std::int64_t ts = test_start + static_cast<std::int64_t>(w) * step, te = ts + step;
    const std::int64_t tr0 = ts - train_len;
    const std::string wname = "window " + std::to_string(w + 1) + " (" + format_civil_date(ts) + " .. " +
                              format_civil_date(te - kDay) + ")";
    const std::vector<std::int64_t> test_counts = counts_in(ts, te);
    const std::vector<std::int64_t> train_counts = counts_in(tr0, ts);
    std::vector<std::int32_t> grid_counts(static_cast<std::size_t>(study.grid.cell_count()), 0);
    for (std::size_t i = 0; i < nc; ++i) {
      grid_counts[static_cast<std::size_t>(cells.linear[i])] = static_cast<std::int32_t>(train_counts[i]);
      totals[w] += test_counts[i];
      train_totals[w] += train_counts[i];
    }

    // Fit or re-apply.
    const bool select = additive || models.empty() || cadence_days == 0 ||
                        (cadence_days > 0 && ts - last_selection_start >= cadence_days * kDay);
    const auto f0 = std::chrono::steady_clock::now();
    const ModelResult mr = with_context("while fitting the model for " + wname, [&] {
      return fit_model_on_counts(study, cells, candidates, grid_counts, select || additive ? nullptr : &last_saved);
    });
    fit_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - f0).count();
    if (select) {
      ModelRecord rec;
      rec.id = "M" + std::to_string(models.size() + 1) + "@" + format_civil_date(tr0) + ".." +
               format_civil_date(ts - kDay);
      rec.selected_for_window = w;
      rec.train_start = format_civil_date(tr0);
      rec.train_end = format_civil_date(ts - kDay);
      nlohmann::json factors = nlohmann::json::array();
      if (!additive) {
        for (const auto& f : mr.report["factors"]) factors.push_back({{"name", f["name"]}, {"rrv", f["rrv"]}});
        rec.summary = {{"family", mr.report["family"]}, {"fit", mr.report["fit"]}, {"factors", factors},
                       {"protective_factors", mr.report["protective_factors"].size()}};
        last_saved = mr.saved_model;
        last_saved["id"] = rec.id;
        last_saved["training_window"] = {{"start", rec.train_start}, {"end", rec.train_end}};
      } else {
        rec.summary = {{"mode", "additive"}};
      }
      models.push_back(rec);
      last_selection_start = ts;
    }
    window_model[w] = models.size() - 1;
    window_selected[w] = select;

    // The surfaces.
    std::vector<std::vector<double>> score;
    std::vector<double> risk(nc);
    for (std::size_t i = 0; i < nc; ++i) risk[i] = mr.risk[static_cast<std::size_t>(cells.linear[i])];
    score.push_back(risk);
    if (!additive) {
      evaluate::PriorFamily fam = evaluate::PriorFamily::poisson;
      double disp = 0;
      const std::string family = mr.report["family"].get<std::string>();
      const auto& fit = mr.report["fit"];
      if (family == "nb2") {
        fam = evaluate::PriorFamily::nb2;
        disp = fit["theta"].is_number() ? fit["theta"].get<double>() : HUGE_VAL;
      } else if (family == "nbii") {
        fam = evaluate::PriorFamily::nbii;
        disp = fit["sigma"].get<double>();
      }
      score.push_back(evaluate::empirical_bayes_rate(mr.expected, train_counts, fam, disp));
    }
    score.push_back(evaluate::risk_times_exposure(risk, kde_in(ts - recent_days * kDay, ts, {recent_bw})[0]));
    {
      // One density pass per window of past incidents, all its bandwidths at once.
      std::vector<std::int64_t> spans;
      for (const auto& k : kde_specs())
        if (std::find(spans.begin(), spans.end(), k.days) == spans.end()) spans.push_back(k.days);
      std::vector<std::vector<double>> kde_scores(kde_specs().size());
      for (std::int64_t days : spans) {
        std::vector<double> bws;
        std::vector<std::size_t> which;
        for (std::size_t j = 0; j < kde_specs().size(); ++j)
          if (kde_specs()[j].days == days) {
            bws.push_back(kde_specs()[j].bandwidth_m);
            which.push_back(j);
          }
        auto d = kde_in(days == 0 ? tr0 : ts - days * kDay, ts, bws);
        for (std::size_t j = 0; j < which.size(); ++j) kde_scores[which[j]] = std::move(d[j]);
      }
      for (auto& s : kde_scores) score.push_back(std::move(s));
    }
    {
      const auto last = counts_in(ts - step, ts);
      score.emplace_back(last.begin(), last.end());
      score.emplace_back(train_counts.begin(), train_counts.end());
    }

    // Rank and score.
    std::vector<std::int64_t> sorted(test_counts);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    for (std::size_t i = 0; i < nc; ++i) (train_counts[i] == 0 ? test_in_new : test_in_old) += test_counts[i];
    for (std::size_t m = 0; m < nm; ++m) {
      std::vector<std::size_t> order = evaluate::rank_cells(score[m]);
      for (std::size_t c = 0; c < ncov; ++c) {
        results[w][m][c].m = evaluate::score_selection(order, k_of(c), test_counts, sorted);
        for (std::size_t r = 0; r < k_of(c) && r < order.size(); ++r) {
          const std::size_t cell = order[r];
          if (train_counts[cell] == 0) {
            caught_new[m][c] += test_counts[cell];
            ++picked_new[m][c];
          } else {
            caught_old[m][c] += test_counts[cell];
          }
        }
      }
      if (totals[w] > 0)
        for (std::size_t q = 0; q < k_curve.size(); ++q) {
          const auto wm = evaluate::score_selection(order, k_curve[q], test_counts, sorted);
          if (wm.pai) {
            curve_sum[m][q] += *wm.pai;
            ++curve_n[m][q];
          }
        }
      // RRI of the previous window's hot spots: that window, then this one.
      if (w > 0)
        for (std::size_t c = 0; c < ncov; ++c) {
          Scored& p = results[w - 1][m][c];
          const std::int64_t n2 = evaluate::caught(prev_order[m], k_of(c), test_counts);
          p.rri = evaluate::rri(p.m.n, totals[w - 1], n2, totals[w]);
        }
      prev_order[m] = std::move(order);
    }
    progress.advance();
  }
  progress.finish();

  // backtest.json
  nlohmann::json j;
  j["format"] = "rtm-backtest";
  j["format_version"] = 1;
  j["created_by"] = std::string("rtm ") + kRtmVersion;
  j["study"] = config.name;
  j["crime_type"] = config.incidents.crime_type;
  nlohmann::json coverage_keys = nlohmann::json::array();
  for (std::size_t c = 0; c < kNumCoverages; ++c)
    coverage_keys.push_back({{"key", kCoverageKeys[c]}, {"fraction", kCoverages[c]}, {"cells", k_cov[c]},
                             {"area_km2", static_cast<double>(k_cov[c]) * cell_km2}});
  coverage_keys.push_back({{"key", "budget"}, {"budget_km2", o.budget_km2}, {"cells", k_budget},
                           {"fraction", nc ? static_cast<double>(k_budget) / static_cast<double>(nc) : 0.0},
                           {"area_km2", static_cast<double>(k_budget) * cell_km2}});
  j["settings"] = {
      {"study_file", config.file},
      {"test_start", format_civil_date(test_start)},
      {"test_end", format_civil_date(test_start + static_cast<std::int64_t>(windows) * step - kDay)},
      {"step_days", o.step_days},
      {"windows", windows},
      {"training_days", train_len / kDay},
      {"training_rule", "each window is trained on the study file's training-window length ending the day before it"},
      {"reselect", o.reselect},
      {"reselect_rule", cadence_days == 0   ? "a new selection for every window"
                        : cadence_days < 0 ? "one selection, for the first window; its coefficients re-applied after"
                                           : "a new selection when " + std::to_string(cadence_days / 7) +
                                                 " weeks have passed since the last one; coefficients re-applied "
                                                 "in between"},
      {"model_mode", config.model.mode},
      {"cell_size_m", study.grid.cell_size_m},
      {"study_cells", nc},
      {"study_area_km2", static_cast<double>(nc) * cell_km2},
      {"coverages", coverage_keys},
      {"selection_rule",
       "cells ranked by score descending, ties by cell id ascending (cell id = row-major order of the study cells); "
       "a coverage f takes the smallest number of cells whose area reaches f of the study area (ceil(f x cells)); "
       "the budget takes the most cells whose area does not exceed it (floor(budget / cell area))"},
      {"metrics",
       {{"hit_rate", "n / N"},
        {"pai", "(n / N) / (a / A)"},
        {"pei", "n / n*, n* = the sum of the largest test counts over the same number of cells"},
        {"rri", "(n2 / n1) / (N2 / N1): the cells a method picked for this window, counted in this window (1) and "
                "the next (2); null for the last window"},
        {"undefined", "metrics of a window with no incident (N = 0), RRI with n1 = 0 or N2 = 0, and metrics of an "
                      "empty selection are null and left out of the means; each mean gives the windows it averages"}}},
      {"incidents_counted", "dated incidents whose cell is a study cell (as counts.tif); KDEs use the same incidents"}};
  nlohmann::json mj = nlohmann::json::array();
  for (const auto& m : methods) mj.push_back({{"name", m.name}, {"kind", m.kind}, {"description", m.description}});
  j["methods"] = mj;
  j["default_method"] = additive ? "rtm_x_recent_kde" : kDefaultMethod;
  nlohmann::json models_j = nlohmann::json::array();
  for (const auto& r : models)
    models_j.push_back({{"id", r.id},
                        {"selected_for_window", r.selected_for_window + 1},
                        {"training_window", {{"start", r.train_start}, {"end", r.train_end}}},
                        {"model", r.summary}});
  j["models"] = models_j;

  auto cov_key = [&](std::size_t c) { return std::string(c < kNumCoverages ? kCoverageKeys[c] : "budget"); };
  nlohmann::json wj = nlohmann::json::array();
  for (std::size_t w = 0; w < windows; ++w) {
    const std::int64_t ts = test_start + static_cast<std::int64_t>(w) * step;
    nlohmann::json e;
    e["window"] = w + 1;
    e["test"] = {{"start", format_civil_date(ts)}, {"end", format_civil_date(ts + step - kDay)}};
    e["train"] = {{"start", format_civil_date(ts - train_len)}, {"end", format_civil_date(ts - kDay)}};
    e["incidents"] = totals[w];
    e["train_incidents"] = train_totals[w];
    e["model"] = {{"id", models[window_model[w]].id}, {"selected", static_cast<bool>(window_selected[w])}};
    nlohmann::json per = nlohmann::json::object();
    for (std::size_t m = 0; m < nm; ++m) {
      nlohmann::json pm = nlohmann::json::object();
      for (std::size_t c = 0; c < ncov; ++c) {
        const Scored& s = results[w][m][c];
        pm[cov_key(c)] = {{"cells", s.m.cells_selected}, {"n", s.m.n},
                          {"n_star", s.m.n_star},        {"hit_rate", opt_json(s.m.hit_rate)},
                          {"pai", opt_json(s.m.pai)},    {"pei", opt_json(s.m.pei)},
                          {"rri", opt_json(s.rri)}};
      }
      per[methods[m].name] = pm;
    }
    e["metrics"] = per;
    wj.push_back(e);
  }
  j["windows"] = wj;

  nlohmann::json avg = nlohmann::json::object();
  for (std::size_t m = 0; m < nm; ++m) {
    nlohmann::json pm = nlohmann::json::object();
    for (std::size_t c = 0; c < ncov; ++c) {
      std::vector<std::optional<double>> hit, pai, pei, rr;
      for (std::size_t w = 0; w < windows; ++w) {
        hit.push_back(results[w][m][c].m.hit_rate);
        pai.push_back(results[w][m][c].m.pai);
        pei.push_back(results[w][m][c].m.pei);
        rr.push_back(results[w][m][c].rri);
      }
      nlohmann::json pc = nlohmann::json::object();
      for (auto& [name, vals] : std::vector<std::pair<std::string, std::vector<std::optional<double>>*>>{
               {"hit_rate", &hit}, {"pai", &pai}, {"pei", &pei}, {"rri", &rr}}) {
        const auto mean = evaluate::mean_defined(*vals);
        pc[name] = {{"mean", opt_json(mean.value)}, {"windows", mean.defined}};
      }
      pm[cov_key(c)] = pc;
    }
    avg[methods[m].name] = pm;
  }
  j["averages"] = avg;
  {
    nlohmann::json h;
    h["meaning"] =
        "test incidents of all windows, split by whether their cell had an incident in its training window "
        "(\"with_history\") or not (\"without_history\": places with no past incident, where only the environment "
        "can point); per method and coverage the incidents caught in each part and the share of selected cells "
        "without history (mean over windows)";
    h["test_incidents"] = {{"with_history", test_in_old}, {"without_history", test_in_new}};
    nlohmann::json per = nlohmann::json::object();
    for (std::size_t m = 0; m < nm; ++m) {
      nlohmann::json pm = nlohmann::json::object();
      for (std::size_t c = 0; c < ncov; ++c) {
        const double picked = static_cast<double>(k_of(c)) * static_cast<double>(windows);
        pm[cov_key(c)] = {
            {"caught_with_history", caught_old[m][c]},
            {"caught_without_history", caught_new[m][c]},
            {"hit_rate_with_history", test_in_old ? nlohmann::json(static_cast<double>(caught_old[m][c]) /
                                                                   static_cast<double>(test_in_old))
                                                  : nlohmann::json(nullptr)},
            {"hit_rate_without_history", test_in_new ? nlohmann::json(static_cast<double>(caught_new[m][c]) /
                                                                      static_cast<double>(test_in_new))
                                                     : nlohmann::json(nullptr)},
            {"share_of_cells_without_history",
             picked > 0 ? nlohmann::json(static_cast<double>(picked_new[m][c]) / picked) : nlohmann::json(nullptr)}};
      }
      per[methods[m].name] = pm;
    }
    h["methods"] = per;
    j["by_history"] = h;
  }
  nlohmann::json curve = {{"coverage_percent", nlohmann::json::array()}, {"mean_pai", nlohmann::json::object()}};
  for (int p = 1; p <= kCurveMaxPercent; ++p) curve["coverage_percent"].push_back(p);
  for (std::size_t m = 0; m < nm; ++m) {
    nlohmann::json v = nlohmann::json::array();
    for (std::size_t q = 0; q < k_curve.size(); ++q)
      v.push_back(curve_n[m][q] ? nlohmann::json(curve_sum[m][q] / static_cast<double>(curve_n[m][q])) : nlohmann::json(nullptr));
    curve["mean_pai"][methods[m].name] = v;
  }
  j["pai_curve"] = curve;
  j["warnings"] = warnings;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  j["timing"] = {{"seconds", seconds}, {"fitting_seconds", fit_seconds}, {"selections", models.size()}};

  // backtest.csv: one row per window, method and coverage; then the means.
  std::ostringstream csv;
  csv << "window,test_start,test_end,model,method,coverage,cells,area_km2,N,n,n_star,hit_rate,pai,pei,rri\n";
  for (std::size_t w = 0; w < windows; ++w) {
    const std::int64_t ts = test_start + static_cast<std::int64_t>(w) * step;
    for (std::size_t m = 0; m < nm; ++m)
      for (std::size_t c = 0; c < ncov; ++c) {
        const Scored& s = results[w][m][c];
        csv << (w + 1) << ',' << format_civil_date(ts) << ',' << format_civil_date(ts + step - kDay) << ','
            << models[window_model[w]].id << ',' << methods[m].name << ',' << cov_key(c) << ',' << s.m.cells_selected
            << ',' << csv_num(static_cast<double>(s.m.cells_selected) * cell_km2) << ',' << s.m.total << ','
            << s.m.n << ',' << s.m.n_star << ',' << csv_num(s.m.hit_rate) << ',' << csv_num(s.m.pai) << ','
            << csv_num(s.m.pei) << ',' << csv_num(s.rri) << '\n';
      }
  }
  for (std::size_t m = 0; m < nm; ++m)
    for (std::size_t c = 0; c < ncov; ++c) {
      const auto& a = avg[methods[m].name][cov_key(c)];
      auto g = [&](const char* k) {
        return a[k]["mean"].is_null() ? std::optional<double>() : std::optional<double>(a[k]["mean"].get<double>());
      };
      csv << "mean,,,," << methods[m].name << ',' << cov_key(c) << ',' << k_of(c) << ','
          << csv_num(static_cast<double>(k_of(c)) * cell_km2) << ",,,," << csv_num(g("hit_rate")) << ','
          << csv_num(g("pai")) << ',' << csv_num(g("pei")) << ',' << csv_num(g("rri")) << '\n';
    }

  // Charts.
  auto style = [&](std::size_t m, evaluate::ChartSeries& s) {
    const std::string& kind = methods[m].kind;
    if (kind == "vulnerability" || kind == "vulnerability x exposure") {
      s.width = 2.8;
      s.dash = 0;
    } else if (methods[m].name.rfind("kde", 0) == 0) {
      s.width = 1.5;
      s.dash = 1;
    } else {
      s.width = 1.8;
      s.dash = 2;
    }
  };
  const std::string period = format_civil_date(test_start) + " .. " +
                             format_civil_date(test_start + static_cast<std::int64_t>(windows) * step - kDay);
  evaluate::LineChart coverage_chart;
  coverage_chart.title = config.name + ": mean PAI by share of the study area";
  coverage_chart.subtitle = config.incidents.crime_type + ", " + std::to_string(windows) + " windows of " +
                            std::to_string(o.step_days) + " days, " + period + "; dashed line: PAI 1 (chance)";
  coverage_chart.x_label = "area covered (% of the study area)";
  coverage_chart.y_label = "mean PAI";
  coverage_chart.reference_y = 1.0;
  for (std::size_t m = 0; m < nm; ++m) {
    evaluate::ChartSeries s;
    s.name = methods[m].name;
    for (std::size_t q = 0; q < k_curve.size(); ++q) {
      s.x.push_back(static_cast<double>(q + 1));
      s.y.push_back(curve_n[m][q] ? std::optional<double>(curve_sum[m][q] / static_cast<double>(curve_n[m][q]))
                                  : std::nullopt);
    }
    style(m, s);
    coverage_chart.series.push_back(std::move(s));
  }
  evaluate::LineChart time_chart;
  time_chart.title = config.name + ": PAI at 5 % of the area, per test window";
  time_chart.subtitle = config.incidents.crime_type + ", windows of " + std::to_string(o.step_days) +
                        " days by start date; re-selection: " + o.reselect + "; dashed line: PAI 1 (chance)";
  time_chart.x_label = "test window start";
  time_chart.y_label = "PAI at 5 %";
  time_chart.x_is_date = true;
  time_chart.reference_y = 1.0;
  for (std::size_t m = 0; m < nm; ++m) {
    evaluate::ChartSeries s;
    s.name = methods[m].name;
    for (std::size_t w = 0; w < windows; ++w) {
      s.x.push_back(static_cast<double>((test_start + static_cast<std::int64_t>(w) * step) / kDay));
      s.y.push_back(results[w][m][1].m.pai);
    }
    style(m, s);
    time_chart.series.push_back(std::move(s));
  }

  io::StagedOutputs staging(o.out_dir);
  io::write_text_file(staging.path("backtest.json"), j.dump(2) + "\n");
  io::write_text_file(staging.path("backtest.csv"), csv.str());
  evaluate::write_line_chart_png(staging.path("backtest_pai_coverage.png"), coverage_chart);
  evaluate::write_line_chart_png(staging.path("backtest_pai_5pct.png"), time_chart);
  BacktestResult result;
  result.written = staging.commit();
  result.warnings = warnings;
  std::ostringstream sum;
  sum << "mean over " << windows << " windows (" << period << "), default method " << j["default_method"].get<std::string>()
      << "\n";
  char line[200];
  std::snprintf(line, sizeof line, "%-20s %8s %8s %8s %8s %8s %8s\n", "method", "hit@5%", "PAI@5%", "PEI@5%",
                "hit@10%", "PAI@10%", "PEI@10%");
  sum << line;
  for (const auto& m : methods) {
    auto g = [&](const char* cov, const char* k) {
      const auto& v = avg[m.name][cov][k]["mean"];
      return v.is_null() ? std::string("-") : csv_num(std::round(v.get<double>() * 1000) / 1000);
    };
    std::snprintf(line, sizeof line, "%-20s %8s %8s %8s %8s %8s %8s\n", m.name.c_str(), g("5%", "hit_rate").c_str(),
                  g("5%", "pai").c_str(), g("5%", "pei").c_str(), g("10%", "hit_rate").c_str(),
                  g("10%", "pai").c_str(), g("10%", "pei").c_str());
    sum << line;
  }
  result.summary = sum.str();
  return result;
}

}  // namespace rtm::pipeline
