#include "pipeline/render_step.hpp"

#include "core/error.hpp"
#include "core/timings.hpp"

namespace rtm::pipeline {

std::vector<std::string> render_run_products(const std::string& run_dir, const std::string& briefing_pdf,
                                             const std::string& map_png, const RenderSettings& s) {
  std::vector<std::string> written;
  if (s.briefing && !briefing_pdf.empty()) {
    render::BriefingOptions o;
    o.style.audience = s.audience;
    o.paper = s.paper;
    o.landscape = s.landscape;
    o.previous_run = s.previous_run;
    o.previous_optional = true;
    StageTimer t("  briefing.pdf");
    with_context("while drawing the briefing " + briefing_pdf, [&] { return render::render_briefing_pdf(run_dir, briefing_pdf, o); });
    written.push_back(briefing_pdf);
  }
  if (s.map && !map_png.empty()) {
    render::MapOptions o;
    o.style.audience = s.audience;
    o.width_px = s.map_width_px;
    o.dpi = s.map_dpi;
    StageTimer t("  map.png");
    with_context("while drawing the map " + map_png, [&] {
      render::render_map_png(run_dir, map_png, o);
      return 0;
    });
    written.push_back(map_png);
  }
  return written;
}

}  // namespace rtm::pipeline
