#pragma once
// The Monday job: a dated run whose windows come from the as-of date, that
// reuses the saved model until it is due for re-selection, records every run in
// a GeoPackage ledger, and says what changed since the previous run.
#include <string>
#include <vector>

namespace rtm::pipeline {

struct WeeklyOptions {
  std::string study_file;
  std::string as_of;     // YYYY-MM-DD
  std::string runs_dir;  // run folders <study>-<as_of>/ and ledger.gpkg live here
};

struct WeeklyResult {
  std::string out_dir;
  std::vector<std::string> files;
  bool reselected = true;
  std::string model_id;
  std::string previous_dir;  // the previous run of the study (its briefing compares with it), or empty
};

WeeklyResult run_weekly(const WeeklyOptions& options);

// `rtm history`: the study's runs from the ledger and, for the latest, what
// changed since the previous one.
std::string history_text(const std::string& study_file, const std::string& runs_dir);

}  // namespace rtm::pipeline
