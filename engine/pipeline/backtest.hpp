#pragma once
// `rtm backtest`: does the risk map forecast? (METHOD.md §7)
//
// Test windows of `step_days` days from the test start; for each, a training
// window as long as the study file's, ending the day before the test window.
// On it the model is fitted (or the last selected model's coefficients
// re-applied, per the re-selection cadence), and every method ranks the study
// cells; the window's incidents score the rankings at 1, 5, 10 and 20 % of the
// study area and at an area budget. Writes backtest.json, backtest.csv,
// backtest_pai_coverage.png and backtest_pai_5pct.png into the output folder.
#include <string>
#include <vector>

namespace rtm::pipeline {

struct BacktestOptions {
  std::string study_file;
  std::string out_dir;
  std::string test_start;  // YYYY-MM-DD; empty: the day after the study's training window
  std::string test_end;    // YYYY-MM-DD inclusive; empty: test start + 52 weeks - 1 day, at most the last incident's day
  int step_days = 7;
  std::string reselect = "4w";  // every | once | <N>w (re-select when N weeks have passed since the last selection)
  double budget_km2 = 1.0;
};

// The re-selection cadence in days: 0 = every window, -1 = once, else N * 7.
// Throws UsageError for anything else.
int reselect_days(const std::string& cadence);

struct BacktestResult {
  std::vector<std::string> written;   // file names, in the output folder
  std::vector<std::string> warnings;  // also in backtest.json
  std::string summary;                // a text table of the means at 5 % and 10 % of the area
};

// Runs the backtest and writes its outputs (all or none: staged, then renamed).
BacktestResult run_backtest(const BacktestOptions& options);

}  // namespace rtm::pipeline
