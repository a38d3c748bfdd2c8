// rtm render map: a PNG overview of the whole study area.
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/error.hpp"
#include "io/output_dir.hpp"
#include "render/cairo_text.hpp"
#include "render/decorations.hpp"
#include "render/map_draw.hpp"
#include "render/render.hpp"
#include "render/run_info.hpp"
#include "render/style_template.hpp"

namespace rtm::render {

namespace {

// Mapnik's standard pixel is 0.28 mm: 90.714 dpi.
constexpr double kMapnikDpi = 25.4 / 0.28;

void save_xml(const std::string& path, const std::string& xml) {
  if (path.empty()) return;
  io::write_text_file(path, xml);
}

}  // namespace

void render_map_png(const std::string& run_dir, const std::string& out_png, const MapOptions& o) {
  if (o.width_px < 16 || o.width_px > 20000 || o.height_px > 20000)
    throw UsageError("the map size must be 16 to 20000 pixels a side");
  if (!(o.dpi >= 10 && o.dpi <= 1200)) throw UsageError("--dpi must be 10 to 1200");
  const RunInfo run = read_run_info(run_dir);
  const Palette palette = load_palette(o.style.styles_dir);
  const std::string xml = map_xml(run, o.style, "", 10, true);
  save_xml(o.style.save_xml, xml);

  const Extent ext = study_extent(run, 0.03);
  const unsigned width = o.width_px;
  const unsigned height =
      o.height_px ? o.height_px
                  : static_cast<unsigned>(std::max(16.0, std::round(width * (ext.maxy - ext.miny) / (ext.maxx - ext.minx))));
  const double scale = o.dpi / kMapnikDpi;
  MapFrame frame;
  const std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_owner(
      draw_map_agg(width, height, run, xml, ext, scale, &frame), &cairo_surface_destroy);
  cairo_surface_t* surface = surface_owner.get();
  const std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr_owner(cairo_create(surface), &cairo_destroy);
  cairo_t* cr = cr_owner.get();
  if (o.decorations) {
    // A panel in the lower left corner: legend, then scale bar and north arrow.
    const double u = 9.0 * scale;  // the legend's font size in pixels
    const double legend_rows = static_cast<double>(legend_entry_count(o.style.audience, run)) + 1.2;
    const double pad = u * 0.7, furniture_h = u * 3.2;
    const double pw = std::min(width * 0.5, u * 26);
    const double ph = std::min(height * 0.6, legend_rows * u * 1.75 + furniture_h + 3 * pad);
    const Box panel{u, height - ph - u, pw, ph};
    cairo_rectangle(cr, panel.x, panel.y, panel.w, panel.h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, std::max(0.5, scale * 0.6));
    cairo_stroke(cr);
    const Box inner{panel.x + pad, panel.y + pad, panel.w - 2 * pad, panel.h - 2 * pad};
    const double fh = std::min(furniture_h, inner.h * 0.3);
    draw_legend(cr, Box{inner.x, inner.y, inner.w, inner.h - fh - pad}, palette, o.style.audience, run, u, 1,
                frame.scale_denominator);
    const double arrow_w = fh * 0.45;
    draw_north_arrow(cr, Box{inner.right() - arrow_w, inner.bottom() - fh, arrow_w, fh}, frame.north_rad);
    const double bar_h = fh * 0.75;
    draw_scale_bar(cr, inner.x, inner.bottom() - bar_h, inner.w - arrow_w - 2 * pad, bar_h, frame.metres_per_unit,
                   u * 0.9);
  }
  cairo_surface_flush(surface);
  const std::string tmp = io::temporary_name_for(out_png);
  const cairo_status_t st = cairo_surface_write_to_png(surface, tmp.c_str());
  if (st != CAIRO_STATUS_SUCCESS) {
    std::remove(tmp.c_str());
    throw OutputError("cannot write " + out_png + ": " + cairo_status_to_string(st));
  }
  io::commit_file(tmp, out_png);
}

}  // namespace rtm::render
