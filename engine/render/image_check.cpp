#include "render/image_check.hpp"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>

#include "core/error.hpp"
#include "render/cairo_text.hpp"
#include "render/style_template.hpp"

namespace rtm::render {

namespace {

struct Surface {
  cairo_surface_t* s = nullptr;
  explicit Surface(const std::string& path) : s(cairo_image_surface_create_from_png(path.c_str())) {
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
      const std::string why = cairo_status_to_string(cairo_surface_status(s));
      cairo_surface_destroy(s);
      throw RenderError("cannot read the PNG " + path + ": " + why);
    }
    cairo_surface_flush(s);
  }
  ~Surface() { cairo_surface_destroy(s); }
  Surface(const Surface&) = delete;
  Surface& operator=(const Surface&) = delete;
  unsigned width() const { return static_cast<unsigned>(cairo_image_surface_get_width(s)); }
  unsigned height() const { return static_cast<unsigned>(cairo_image_surface_get_height(s)); }
  // Straight-alpha RGBA of pixel (x, y), composited on white.
  std::array<int, 3> rgb(unsigned x, unsigned y) const {
    const auto* data = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    const auto format = cairo_image_surface_get_format(s);
    const std::uint32_t p =
        *reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride + x * 4);
    const int a = format == CAIRO_FORMAT_ARGB32 ? static_cast<int>((p >> 24) & 0xFF) : 255;
    // Premultiplied over white: c + (255 - a).
    return {static_cast<int>((p >> 16) & 0xFF) + 255 - a, static_cast<int>((p >> 8) & 0xFF) + 255 - a,
            static_cast<int>(p & 0xFF) + 255 - a};
  }
};

double luma(int r, int g, int b) { return 0.299 * r + 0.587 * g + 0.114 * b; }

}  // namespace

double grey_of(const std::string& hex) {
  const Rgb c = parse_rgb(hex);
  return luma(static_cast<int>(std::lround(c.r * 255)), static_cast<int>(std::lround(c.g * 255)),
              static_cast<int>(std::lround(c.b * 255)));
}

ImageStats png_stats(const std::string& path, const std::string& colour, int tolerance) {
  const Surface img(path);
  ImageStats st;
  st.width = img.width();
  st.height = img.height();
  std::array<int, 3> want{-1, -1, -1};
  if (!colour.empty()) {
    const Rgb c = parse_rgb(colour);
    want = {static_cast<int>(std::lround(c.r * 255)), static_cast<int>(std::lround(c.g * 255)),
            static_cast<int>(std::lround(c.b * 255))};
  }
  std::array<std::size_t, 256> hist{};
  double sum = 0, sum2 = 0;
  for (unsigned y = 0; y < st.height; ++y)
    for (unsigned x = 0; x < st.width; ++x) {
      const auto p = img.rgb(x, y);
      const double l = luma(p[0], p[1], p[2]);
      sum += l;
      sum2 += l * l;
      ++hist[static_cast<std::size_t>(std::clamp(std::lround(l), 0L, 255L))];
      if (want[0] >= 0 && std::abs(p[0] - want[0]) <= tolerance && std::abs(p[1] - want[1]) <= tolerance &&
          std::abs(p[2] - want[2]) <= tolerance)
        ++st.colour_pixels;
    }
  const double n = static_cast<double>(st.width) * st.height;
  if (n > 0) {
    st.mean_grey = sum / n;
    st.grey_sd = std::sqrt(std::max(0.0, sum2 / n - st.mean_grey * st.mean_grey));
    for (auto h : hist)
      if (static_cast<double>(h) >= 0.001 * n) ++st.distinct_greys;
  }
  return st;
}

ImageDiff png_diff(const std::string& a, const std::string& b, int tolerance) {
  const Surface ia(a), ib(b);
  ImageDiff d;
  d.same_size = ia.width() == ib.width() && ia.height() == ib.height();
  if (!d.same_size) {
    d.changed_share = 1;
    return d;
  }
  std::size_t changed = 0;
  for (unsigned y = 0; y < ia.height(); ++y)
    for (unsigned x = 0; x < ia.width(); ++x) {
      const auto pa = ia.rgb(x, y), pb = ib.rgb(x, y);
      int m = 0;
      for (int c = 0; c < 3; ++c) m = std::max(m, std::abs(pa[static_cast<std::size_t>(c)] - pb[static_cast<std::size_t>(c)]));
      d.max_channel_diff = std::max(d.max_channel_diff, m);
      if (m > tolerance) ++changed;
    }
  d.changed_share = static_cast<double>(changed) / (static_cast<double>(ia.width()) * ia.height());
  return d;
}

TextFitCheck check_text_fit(const std::string& text, double w, double h, double size, double min_size, int max_lines,
                            bool bold) {
  cairo_surface_t* s = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nullptr);
  cairo_t* cr = cairo_create(s);
  TextStyle st;
  st.size = size;
  st.min_size = min_size;
  st.max_lines = max_lines;
  st.bold = bold;
  FittedText f;
  try {
    f = fit_text(cr, text, w, h, st);
  } catch (...) {
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    throw;
  }
  cairo_destroy(cr);
  cairo_surface_destroy(s);
  TextFitCheck c;
  c.size = f.size;
  c.lines = f.lines.size();
  c.shrunk = f.shrunk;
  c.ellipsized = f.ellipsized;
  c.width = f.width;
  c.height = f.height;
  if (!f.lines.empty()) {
    c.first_line = f.lines.front();
    c.last_line = f.lines.back();
  }
  return c;
}

}  // namespace rtm::render
