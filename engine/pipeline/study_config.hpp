#pragma once
// The study file, typed. Every error names the key and its line.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/civil_time.hpp"
#include "layers/layer_kind.hpp"

namespace rtm::pipeline {

// How a factor is turned into candidate variables (METHOD.md §2-3).
struct Operationalization {
  std::string method = "both";  // proximity | density | both
  std::int64_t max_influence_blocks = 3;
  std::string increment = "half";  // whole | half
  // Candidate distances in metres: increment, 2*increment, ..., max.
  std::vector<double> distances_m(double block_length_m) const;
};

struct LayerConfig {
  std::string name;
  layers::LayerSource source;
  Operationalization ops;
  std::string geometry;  // expected geometry (point | line | polygon), empty: any
  std::string label;     // attribute naming a feature in narratives (name, address)
  std::int64_t line = 0;
};

struct IncidentsConfig {
  layers::LayerSource source;
  std::string crime_type;
  std::optional<TimeWindow> train;  // nothing: all dated incidents
  std::string train_start, train_end;  // as written (YYYY-MM-DD, both inclusive)
  double max_unparsable_dates = 0.01;  // fraction of rows above which the read fails
};

// Factor selection and weighting (METHOD.md §4).
struct ModelConfig {
  std::string mode = "rtm";              // rtm (RTMDx best model) | additive (2009-2011 density scores)
  double alpha = 0.5;                    // elastic-net mixing
  std::int64_t folds = 10;               // cross-validation folds
  std::int64_t seed = 1;                 // fold assignment
  std::string family = "auto";           // auto (Poisson vs negative binomial by BIC) | poisson | nb2 | nbii
  std::string negative_binomial = "nb2"; // which NB competes in auto: nb2 (MASS) | nbii (gamlss, RTMDx)
  std::int64_t max_iterations = 100;     // per GLM fit
};

// Recent exposure (METHOD.md §5): relative to the as-of date (the day after
// the training window).
struct ExposureConfig {
  std::int64_t weeks = 8;      // the recent window
  double bandwidth_m = 0;      // kernel density bandwidth; 0: 1.5 blocks
  double gi_distance_m = 0;    // Gi* distance band; 0: 1 block
  double fdr = 0.05;           // false-discovery rate for hot cells
};

// High-risk places and leverage (METHOD.md §6).
struct PlacesConfig {
  std::int64_t min_cells = 2;      // smallest cluster kept as a place
  std::int64_t connectivity = 8;   // 8 or 4
  std::int64_t top_features = 20;  // features listed in the leverage ranking
};

// The weekly job (`rtm run --as-of DATE`): windows from the as-of date.
struct ScheduleConfig {
  std::int64_t train_weeks = 52;     // training window: the weeks before the as-of date
  std::int64_t forecast_days = 7;    // the window the run forecasts, from the as-of date
  std::int64_t reselect_weeks = 4;   // re-select the model when the last selected one is older
  std::string ledger;                // empty: RUNS/ledger.gpkg; else a PostgreSQL connection string ("PG:...")
  std::string ledger_password_env;   // environment variable holding the ledger database's password
};

// The maps `rtm run` draws (METHOD.md §8).
struct RenderConfig {
  bool briefing = true;            // briefing.pdf
  bool map = true;                 // map.png
  std::string audience = "public"; // public (no incident locations) | internal
  std::string paper = "letter";    // letter | a4
  bool landscape = false;
  // [render.context]: district or neighbourhood polygons drawn as labelled
  // outlines on every map (copied into layers.gpkg, table `context`).
  std::optional<layers::LayerSource> context;
  std::string context_label;       // the attribute naming each polygon (required with a context)
};

// A measurable goal (DOJ roadmap, action 1): `reduction` fewer incidents from
// `start` up to each run's as-of date than in the same ISO weeks of
// `baseline_year` (see pipeline/goal.hpp and config/README.md).
struct GoalConfig {
  bool enabled = false;             // a [goal] table is present
  double reduction = 0;             // fraction: 0.20 = 20 % fewer
  std::int64_t baseline_year = 0;   // ISO year the counts are compared with
  std::string start;                // YYYY-MM-DD; default: Monday of ISO week 1 of baseline_year + 1
  std::int64_t start_s = 0;
  bool citywide = true;             // scope "citywide": incidents in study cells
  bool places = true;               // scope "places": incidents in the cells of the run's high-risk places
};

struct StudyConfig {
  std::string file;  // absolute path of the study file
  std::string name;
  std::string crs = "auto";
  double block_length_m = 0;
  double cell_size_m = 0;  // default: block_length_m / 2
  std::int64_t max_cells = 50'000'000;
  layers::LayerSource area;
  IncidentsConfig incidents;
  Operationalization default_ops;
  ModelConfig model;
  ExposureConfig exposure;
  PlacesConfig places;
  ScheduleConfig schedule;
  RenderConfig render;
  GoalConfig goal;
  std::vector<LayerConfig> layers;

  // The largest spatial influence of any layer, in metres.
  double max_influence_m() const;
};

// Sets the training window to the `train_weeks` before `as_of` (YYYY-MM-DD):
// [as_of - train_weeks weeks, as_of). Throws ConfigError for a bad date.
void apply_as_of(StudyConfig& config, const std::string& as_of);

// Reads and checks a study file. Throws ConfigError (key, line) or DataError.
StudyConfig load_study_config(const std::string& path);
// Same from text; `path` names the file in messages and anchors relative paths.
StudyConfig parse_study_config(const std::string& text, const std::string& path);

}  // namespace rtm::pipeline
