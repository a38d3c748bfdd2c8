#pragma once
// A loaded study: the CRS, the area, one grid, and every layer projected onto
// it. Everything downstream reads from here, so all rasters align by
// construction.
#include <cstdint>
#include <string>
#include <vector>

#include "core/feature_set.hpp"
#include "core/grid_spec.hpp"
#include "io/crs.hpp"
#include "io/geometry.hpp"
#include "pipeline/study_config.hpp"

namespace rtm::pipeline {

struct IncidentCounts {
  std::int64_t in_area = 0;          // dated (when dates are used) and inside the area polygon
  std::int64_t before_window = 0;
  std::int64_t after_window = 0;
  std::int64_t in_window = 0;
  std::int64_t in_edge_cells = 0;    // in the window and the area, but in a cell whose centre is outside it
  std::int64_t counted = 0;          // in the window and in a study cell: the sum of counts.tif
  std::int64_t cells_with_incidents = 0;
  std::int64_t max_per_cell = 0;
  std::string first_time, last_time;  // range of the dated incidents read
};

struct Study {
  StudyConfig config;
  io::Crs crs;
  std::string crs_origin;  // "study.crs" or "automatic UTM zone of the area"
  io::Area area;
  GridSpec grid;
  std::vector<std::uint8_t> mask;  // row-major; 1 = study cell (centre inside the area)
  std::int64_t study_cells = 0;
  FeatureSet area_source;           // the area features as read (for the report)
  FeatureSet incidents;             // as read: inside the area, dated
  std::vector<std::size_t> used;    // indices of incidents in the window and in a study cell
  std::vector<std::int32_t> counts; // incidents per cell (0 outside study cells)
  IncidentCounts incident_counts;
  std::vector<FeatureSet> layers;   // one per config.layers, clipped to the area buffered by its influence
  std::vector<double> layer_clip_m; // that buffer, per layer
  FeatureSet context;               // [render.context] polygons touching the area (empty without one)
  std::vector<std::string> context_labels;  // their render.context.label values, one per feature
  std::vector<std::string> warnings;
};

// Reads everything and builds the grid. Throws ConfigError / DataError.
Study load_study(const StudyConfig& config);

// Estimated bytes per grid cell the engine will hold (for the size guard).
constexpr std::int64_t kBytesPerCellEstimate = 16;

}  // namespace rtm::pipeline
