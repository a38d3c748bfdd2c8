#include "pipeline/render_step.hpp"

#include <future>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/timings.hpp"

namespace rtm::pipeline {

std::vector<std::string> render_run_products(const std::string& run_dir, const std::string& briefing_pdf,
                                             const std::string& map_png, const RenderSettings& s) {
  const bool briefing = s.briefing && !briefing_pdf.empty(), map = s.map && !map_png.empty();
  auto draw_briefing = [&] {
    render::BriefingOptions o;
    o.style.audience = s.audience;
    o.paper = s.paper;
    o.landscape = s.landscape;
    o.previous_run = s.previous_run;
    o.previous_optional = true;
    StageTimer t("  briefing.pdf");
    with_context("while drawing the briefing " + briefing_pdf, [&] { return render::render_briefing_pdf(run_dir, briefing_pdf, o); });
  };
  auto draw_map = [&] {
    render::MapOptions o;
    o.style.audience = s.audience;
    o.width_px = s.map_width_px;
    o.dpi = s.map_dpi;
    StageTimer t("  map.png");
    with_context("while drawing the map " + map_png, [&] {
      render::render_map_png(run_dir, map_png, o);
      return 0;
    });
  };
  // The two drawings read the same finished products and share nothing else:
  // with more than one thread the map is drawn beside the briefing. A failure
  // of the briefing is reported first, as when they are drawn in turn.
  std::future<void> map_done;
  if (map) map_done = run_beside(draw_map);
  if (briefing) draw_briefing();
  if (map_done.valid()) map_done.get();
  std::vector<std::string> written;
  if (briefing) written.push_back(briefing_pdf);
  if (map) written.push_back(map_png);
  return written;
}

}  // namespace rtm::pipeline
