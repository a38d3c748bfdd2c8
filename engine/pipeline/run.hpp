#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rtm::pipeline {

struct RunOptions {
  std::string study_file;
  std::string out_dir;
  std::string model_file;  // re-apply this saved model instead of selecting one
  // The run the briefing's "change since" compares with (default: out_dir's).
  std::string previous_run;
  // Called with the staging folder (every product but report.json and the maps
  // is there) and the report, before report.json is written and the products
  // are committed: the Monday job adds what changed since the previous run.
  std::function<void(const std::string& staged_dir, nlohmann::json& report)> before_report;
};

// Loads the study and writes the run's products into out_dir. Every product is
// staged beside out_dir and swapped in only when all of them are complete
// (io::StagedOutputs): a failed run leaves the previous products untouched.
// Returns the names of the files written.
std::vector<std::string> run_study(const RunOptions& options);

struct StudyConfig;
// The same with a study already loaded (and possibly adjusted, e.g. its
// windows set from an as-of date); `extra` is merged into report.json.
std::vector<std::string> run_study_config(const StudyConfig& config, const RunOptions& options,
                                          const nlohmann::json& extra);

}  // namespace rtm::pipeline
