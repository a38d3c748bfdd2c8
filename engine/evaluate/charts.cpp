#include "evaluate/charts.hpp"

#include <cairo-ft.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "io/output_dir.hpp"

namespace rtm::evaluate {

namespace {

struct Rgb {
  double r, g, b;
};
// Distinguishable, print-safe colours (Tableau 10 then darker variants).
const Rgb kPalette[] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
                        {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294}, {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
                        {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812}, {0.000, 0.000, 0.000}, {0.400, 0.200, 0.600},
                        {0.300, 0.500, 0.300}, {0.700, 0.400, 0.100}};

// DejaVu Sans (regular and bold) loaded once through FreeType and kept for the
// life of the process. Not Cairo's toy font API: that goes through fontconfig,
// whose match caches are never freed (a leak report under LeakSanitizer).
struct Fonts {
  FT_Library lib = nullptr;
  cairo_font_face_t* regular = nullptr;
  cairo_font_face_t* bold = nullptr;
  std::string error;
};
const cairo_user_data_key_t kFtFaceKey{};

cairo_font_face_t* load_face(FT_Library lib, const std::string& path, std::string& error) {
  FT_Face face = nullptr;
  if (FT_New_Face(lib, path.c_str(), 0, &face) != 0) {
    error = "cannot open the font " + path + " (Debian: fonts-dejavu-core)";
    return nullptr;
  }
  cairo_font_face_t* f = cairo_ft_font_face_create_for_ft_face(face, 0);
  // The FreeType face lives as long as Cairo holds the font face.
  if (cairo_font_face_set_user_data(f, &kFtFaceKey, face, [](void* p) { FT_Done_Face(static_cast<FT_Face>(p)); }) !=
      CAIRO_STATUS_SUCCESS) {
    cairo_font_face_destroy(f);
    FT_Done_Face(face);
    error = "cannot attach the font " + path + " to Cairo";
    return nullptr;
  }
  return f;
}

Fonts& fonts() {
  static Fonts f = [] {
    Fonts r;
    if (FT_Init_FreeType(&r.lib) != 0) {
      r.error = "cannot initialize FreeType";
      return r;
    }
    const std::string dir = "/usr/share/fonts/truetype/dejavu/";
    r.regular = load_face(r.lib, dir + "DejaVuSans.ttf", r.error);
    r.bold = load_face(r.lib, dir + "DejaVuSans-Bold.ttf", r.error);
    return r;
  }();
  return f;
}

void set_font(cairo_t* cr, bool bold, double size) {
  Fonts& f = fonts();
  cairo_font_face_t* face = bold ? f.bold : f.regular;
  if (face == nullptr) throw RenderError(f.error.empty() ? "the DejaVu Sans font cannot be loaded" : f.error);
  cairo_set_font_face(cr, face);
  cairo_set_font_size(cr, size);
}

struct Surface {
  cairo_surface_t* s = nullptr;
  cairo_t* cr = nullptr;
  Surface(int w, int h) {
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cr = cairo_create(s);
  }
  ~Surface() {
    if (cr != nullptr) cairo_destroy(cr);
    if (s != nullptr) cairo_surface_destroy(s);
  }
  Surface(const Surface&) = delete;
  Surface& operator=(const Surface&) = delete;
};

// Ticks at 1, 2 or 5 × 10^k covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> t;
  const double range = hi - lo;
  if (!(range > 0)) return {lo};
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * range; v += step)
    t.push_back(std::fabs(v) < 1e-12 * range ? 0.0 : v);
  return t;
}

std::vector<double> date_ticks(double lo, double hi) {
  const double span = hi - lo;
  double step = 1;
  for (double s : {1.0, 2.0, 7.0, 14.0, 28.0, 56.0, 91.0, 182.0, 364.0})
    if (span / s <= 9) {
      step = s;
      break;
    } else {
      step = s;
    }
  std::vector<double> t;
  for (double v = lo; v <= hi + 1e-9; v += step) t.push_back(v);
  return t;
}

std::string fmt_number(double v) {
  char buf[32];
  if (std::fabs(v) >= 100 || v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 1)
    std::snprintf(buf, sizeof buf, "%.1f", v);
  else
    std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

void set_dash(cairo_t* cr, int dash) {
  if (dash == 1) {
    const double d[] = {7.0, 4.0};
    cairo_set_dash(cr, d, 2, 0);
  } else if (dash == 2) {
    const double d[] = {2.0, 3.0};
    cairo_set_dash(cr, d, 2, 0);
  } else {
    cairo_set_dash(cr, nullptr, 0, 0);
  }
}

}  // namespace

void write_line_chart_png(const std::string& path, const LineChart& chart, int width_px, int height_px) {
  Surface surf(width_px, height_px);
  cairo_t* cr = surf.cr;
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    throw RenderError(std::string("cannot create a Cairo surface for ") + path + ": " +
                      cairo_status_to_string(cairo_status(cr)));
  const double W = width_px, H = height_px;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  // Legend width from the longest name.
  set_font(cr, false, 12);
  double legend_w = 0;
  for (const auto& s : chart.series) legend_w = std::max(legend_w, text_width(cr, s.name));
  legend_w += 50;

  const double left = 75, right = W - legend_w - 25, top = chart.subtitle.empty() ? 55 : 72, bottom = H - 65;

  // Data range.
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = 0, ymax = -xmin;
  for (const auto& s : chart.series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      xmin = std::min(xmin, s.x[i]);
      xmax = std::max(xmax, s.x[i]);
      if (i < s.y.size() && s.y[i]) {
        ymin = std::min(ymin, *s.y[i]);
        ymax = std::max(ymax, *s.y[i]);
      }
    }
  if (chart.reference_y) ymax = std::max(ymax, *chart.reference_y);
  if (!std::isfinite(xmin)) xmin = 0, xmax = 1;
  if (xmax <= xmin) xmax = xmin + 1;
  if (!std::isfinite(ymax) || ymax <= ymin) ymax = ymin + 1;
  const std::vector<double> yt = nice_ticks(ymin, ymax * 1.05, 8);
  ymax = std::max(ymax * 1.05, yt.empty() ? ymax : yt.back());
  const double x0 = xmin, x1 = xmax;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
  auto py = [&](double y) { return bottom - (y - ymin) / (ymax - ymin) * (bottom - top); };

  // Title.
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  set_font(cr, true, 17);
  cairo_move_to(cr, left, 30);
  cairo_show_text(cr, chart.title.c_str());
  set_font(cr, false, 12);
  if (!chart.subtitle.empty()) {
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_move_to(cr, left, 50);
    cairo_show_text(cr, chart.subtitle.c_str());
  }

  // Grid lines and ticks.
  cairo_set_font_size(cr, 11);
  cairo_set_line_width(cr, 1);
  for (double v : yt) {
    if (v > ymax) continue;
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, left, std::round(py(v)) + 0.5);
    cairo_line_to(cr, right, std::round(py(v)) + 0.5);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    const std::string s = fmt_number(v);
    cairo_move_to(cr, left - 8 - text_width(cr, s), py(v) + 4);
    cairo_show_text(cr, s.c_str());
  }
  const std::vector<double> xt = chart.x_is_date ? date_ticks(xmin, xmax) : nice_ticks(xmin, xmax, 8);
  for (double v : xt) {
    if (v < x0 - 1e-9 || v > x1 + 1e-9) continue;
    cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
    cairo_move_to(cr, std::round(px(v)) + 0.5, top);
    cairo_line_to(cr, std::round(px(v)) + 0.5, bottom);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    const std::string s = chart.x_is_date ? format_civil_date(static_cast<std::int64_t>(std::llround(v)) * 86400)
                                          : fmt_number(v);
    cairo_move_to(cr, px(v) - text_width(cr, s) / 2, bottom + 18);
    cairo_show_text(cr, s.c_str());
  }
  // Axes.
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 1.2);
  cairo_move_to(cr, left, top);
  cairo_line_to(cr, left, bottom);
  cairo_line_to(cr, right, bottom);
  cairo_stroke(cr);
  // Axis labels.
  cairo_set_font_size(cr, 13);
  cairo_move_to(cr, (left + right) / 2 - text_width(cr, chart.x_label) / 2, H - 22);
  cairo_show_text(cr, chart.x_label.c_str());
  cairo_save(cr);
  cairo_move_to(cr, 22, (top + bottom) / 2 + text_width(cr, chart.y_label) / 2);
  cairo_rotate(cr, -M_PI / 2);
  cairo_show_text(cr, chart.y_label.c_str());
  cairo_restore(cr);

  if (chart.reference_y && *chart.reference_y <= ymax) {
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr, 1);
    set_dash(cr, 1);
    cairo_move_to(cr, left, py(*chart.reference_y));
    cairo_line_to(cr, right, py(*chart.reference_y));
    cairo_stroke(cr);
    set_dash(cr, 0);
  }

  // Series.
  cairo_save(cr);
  cairo_rectangle(cr, left, top - 2, right - left + 2, bottom - top + 2);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  const std::size_t ncol = sizeof kPalette / sizeof kPalette[0];
  // Series k's colour, width and dash, for its line and its legend sample.
  auto series_pen = [&](std::size_t k) {
    const auto& s = chart.series[k];
    const Rgb c = kPalette[k % ncol];
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_set_line_width(cr, s.width);
    set_dash(cr, s.dash);
  };
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const auto& s = chart.series[k];
    series_pen(k);
    bool pen = false;
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!s.y[i]) {
        pen = false;
        continue;
      }
      if (pen)
        cairo_line_to(cr, px(s.x[i]), py(*s.y[i]));
      else
        cairo_move_to(cr, px(s.x[i]), py(*s.y[i]));
      pen = true;
    }
    cairo_stroke(cr);
    set_dash(cr, 0);
    if (chart.markers)
      for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (s.y[i]) {
          cairo_arc(cr, px(s.x[i]), py(*s.y[i]), s.width + 1.0, 0, 2 * M_PI);
          cairo_fill(cr);
        }
  }
  cairo_restore(cr);

  // Legend.
  cairo_set_font_size(cr, 12);
  double ly = top + 8;
  const double lx = right + 20;
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const auto& s = chart.series[k];
    series_pen(k);
    cairo_move_to(cr, lx, ly);
    cairo_line_to(cr, lx + 30, ly);
    cairo_stroke(cr);
    set_dash(cr, 0);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, lx + 38, ly + 4);
    cairo_show_text(cr, s.name.c_str());
    ly += 20;
  }

  cairo_surface_flush(surf.s);
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    throw RenderError("cannot draw " + path + ": " + cairo_status_to_string(cairo_status(cr)));
  const std::string tmp = io::temporary_name_for(path);
  const cairo_status_t st = cairo_surface_write_to_png(surf.s, tmp.c_str());
  if (st != CAIRO_STATUS_SUCCESS) {
    std::remove(tmp.c_str());
    throw OutputError("cannot write " + path + ": " + cairo_status_to_string(st));
  }
  io::commit_file(tmp, path);
}

}  // namespace rtm::evaluate
