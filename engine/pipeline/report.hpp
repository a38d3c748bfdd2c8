#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/study.hpp"

namespace rtm::pipeline {

// The inputs, grid and counts sections of report.json.
nlohmann::json study_report(const Study& study);
// Provenance: versions of rtm and its libraries, the study file's hash, the time.
nlohmann::json provenance(const Study& study);
// What `rtm validate` prints: a summary an analyst can check at a glance.
std::string validate_summary(const Study& study);

}  // namespace rtm::pipeline
