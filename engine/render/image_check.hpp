#pragma once
// Checks on rendered images, for tests and reviews: size, brightness spread
// (a blank render has none), pixels of a given colour (the incident symbol
// must never appear in a public render), and the difference between two
// renders (against committed reference images). No Cairo types here.
#include <cstddef>
#include <string>

namespace rtm::render {

struct ImageStats {
  unsigned width = 0, height = 0;
  double mean_grey = 0;    // 0..255, Rec. 601 luma
  double grey_sd = 0;      // spread of the luma: 0 for a blank image
  std::size_t colour_pixels = 0;  // pixels of the colour asked for (within the tolerance)
  std::size_t distinct_greys = 0; // luma levels (0..255) used by at least 0.1 % of the pixels
};

// Reads a PNG (RenderError when it cannot be read). colour: "#rrggbb" to
// count, or empty; tolerance: the largest channel difference still counted
// (palette PNGs, as tiles are, shift colours slightly).
ImageStats png_stats(const std::string& path, const std::string& colour = "", int tolerance = 0);

struct ImageDiff {
  bool same_size = false;
  double changed_share = 0;  // pixels where a channel differs by more than the tolerance
  int max_channel_diff = 0;
};
ImageDiff png_diff(const std::string& a, const std::string& b, int tolerance);

// Text fitting as the briefing does it (cairo_text.hpp), without Cairo types:
// lays text out in a box of w x h points and reports what it needed.
struct TextFitCheck {
  double size = 0;
  std::size_t lines = 0;
  bool shrunk = false, ellipsized = false;
  double width = 0, height = 0;  // as measured with cairo_text_extents
  std::string first_line, last_line;
};
TextFitCheck check_text_fit(const std::string& text, double w, double h, double size, double min_size, int max_lines,
                            bool bold);

// Luma of a #rrggbb colour (Rec. 601), 0..255.
double grey_of(const std::string& hex);

}  // namespace rtm::render
