#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rtm::pipeline {

struct RunOptions {
  std::string study_file;
  std::string out_dir;
  std::string model_file;  // re-apply this saved model instead of selecting one
};

// Loads the study and writes the run's products into out_dir. Every product is
// staged in a hidden folder inside out_dir and moved into place only when all
// of them are complete: a failed run leaves the previous products untouched.
// Returns the names of the files written.
std::vector<std::string> run_study(const RunOptions& options);

struct StudyConfig;
// The same with a study already loaded (and possibly adjusted, e.g. its
// windows set from an as-of date); `extra` is merged into report.json.
std::vector<std::string> run_study_config(const StudyConfig& config, const RunOptions& options,
                                          const nlohmann::json& extra);

}  // namespace rtm::pipeline
