#pragma once
// What the maps and the briefing need from a run folder, read once from its
// report.json: the grid, the study's names and dates, the headline and the
// places. No Mapnik or Cairo here.
#include <cstddef>
#include <string>
#include <vector>

namespace rtm::render {

struct FeatureRef {
  std::string factor;
  long feature_id = 0;
  std::string label;
};

struct PlaceRow {
  int rank = 0;
  double area_km2 = 0;
  double mean_risk = 0;
  double max_risk = 0;
  double expected = 0;        // the model's expected incidents (sum of lambda)
  long observed_recent = 0;   // incidents in the recent (exposure) window
  long observed_train = 0;    // incidents in the training window
  std::string risk_class;     // "high risk, hot (priority)" or "high risk, not hot"
  bool priority = false;
  std::string busiest_days;
  std::string busiest_hours;
  std::vector<std::string> factors;  // factor names once each, largest RRV first
  std::string narrative;
  std::vector<FeatureRef> features;  // the features the narrative names
};

// A factor of the fitted model, drawn on the maps from its layers.gpkg table.
struct MapFactor {
  std::string name;      // the layer's name (its table in layers.gpkg)
  std::string geometry;  // point | line | polygon (report.json layers[].geometry)
  bool protective = false;
};

struct RunInfo {
  std::string run_dir;       // absolute
  std::string study_name;
  std::string crime_type;
  std::string crs;           // the study CRS as the report gives it ("EPSG:26971")
  double west = 0, south = 0, east = 0, north = 0;  // grid extent (CRS units)
  double cell_size_m = 0;
  long cols = 0, rows = 0;
  double units_per_metre = 1;  // CRS units per metre (1 for metric CRSs)
  std::string train_start, train_end;     // training window (inclusive days)
  std::string recent_start, recent_end;   // recent (exposure) window
  int recent_weeks = 0;
  std::string as_of;         // the day after the training window
  std::string created_utc;
  double place_area_share = 0;
  double place_incident_share = 0;
  long place_count = 0;
  double study_area_km2 = 0;
  std::string class_rule;
  std::vector<PlaceRow> places;  // by rank
  std::string leverage_caveat;
  std::string goal_text;  // report.json goal.text: progress towards the study's goal, or empty
  // The model's factors: risk factors by RRV (largest first), then protective ones.
  std::vector<MapFactor> factors;
  bool has_context = false;  // layers.gpkg has a `context` table (study file [render.context])
  std::string context_label; // the source attribute its labels came from
};

// Reads RUN_DIR/report.json. Throws RenderError when the folder is not a run of
// `rtm run` in mode "rtm" (no classes or places to map), naming what is missing.
RunInfo read_run_info(const std::string& run_dir);

// "aggravated assault" -> "Aggravated assault"; "liquor_stores" -> "liquor stores".
std::string sentence_case(const std::string& s);
std::string humanize(const std::string& name);

}  // namespace rtm::render
