#pragma once
// From the risk surface to decisions (METHOD.md §5-6): recent exposure, risk
// classes, high-risk places with narratives and day/hour profiles, and
// investment leverage per feature.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/gpkg_writer.hpp"
#include "pipeline/model_step.hpp"
#include "pipeline/study.hpp"

namespace rtm::pipeline {

inline constexpr const char* kLeverageCaveat =
    "Leverage is an association estimated by the model, not a causal promise: removing or fixing a feature "
    "is not guaranteed to prevent these incidents.";

struct Decisions {
  std::vector<float> exposure_kde;         // grid: recent incidents per km2 (-9999 outside)
  std::vector<float> exposure_gi_z;        // grid: Gi* z-score (-9999 outside)
  std::vector<std::uint8_t> risk_class;    // grid: 0-3, 255 outside
  std::vector<std::uint8_t> vxe_class;     // grid: 0-3, 255 outside
  std::vector<std::int32_t> place_id;      // grid: the place's rank (1..), 0 outside every place
  nlohmann::json report;                   // exposure, classes, places, leverage sections
  std::vector<io::GpkgLayer> places_gpkg;  // places, place_features, leverage, rasters
  std::string places_csv;
  std::string summary_md;
};

Decisions decide(const Study& study, const ModelResult& model);

}  // namespace rtm::pipeline
