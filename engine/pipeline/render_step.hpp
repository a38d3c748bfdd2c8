#pragma once
// The maps `rtm run` writes by default (METHOD.md §8): the one-page briefing
// PDF and a PNG overview, drawn from the run's own products (report.json,
// classes.tif, places.gpkg, layers.gpkg) once they are written.
#include <string>
#include <vector>

#include "render/render.hpp"

namespace rtm::pipeline {

struct RenderSettings {
  bool briefing = true;  // briefing.pdf
  bool map = true;       // map.png
  render::Audience audience = render::Audience::public_;
  render::Paper paper = render::Paper::letter;
  bool landscape = false;
  unsigned map_width_px = 1600;
  double map_dpi = 96;
  // A folder holding the previous run (e.g. the run folder about to be
  // replaced): the briefing then shows the change in places since it. Ignored
  // when it holds no run, or a run with the same as-of date.
  std::string previous_run;
};

// Draws the briefing into `briefing_pdf` and the overview into `map_png`
// (each skipped when its path is empty or the setting is off) from the run
// products in `run_dir`. Throws RenderError. Returns the paths written.
std::vector<std::string> render_run_products(const std::string& run_dir, const std::string& briefing_pdf,
                                             const std::string& map_png, const RenderSettings& settings);

}  // namespace rtm::pipeline
