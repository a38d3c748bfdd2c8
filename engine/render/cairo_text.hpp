#pragma once
// Text on Cairo surfaces that never overflows its box: measured with
// cairo_text_extents, wrapped on spaces up to max_lines, shrunk down to
// min_size, then ellipsized ("…"). Fonts are DejaVu Sans (Book, Bold) from
// the files Mapnik registered, so the map labels and the page text match, and a
// missing font is an error instead of a silent substitute.
#include <cairo.h>

#include <string>
#include <vector>

#include "render/style_template.hpp"

namespace rtm::render {

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
  double right() const { return x + w; }
  double bottom() const { return y + h; }
};

enum class Align { left, center, right };

struct TextStyle {
  double size = 9;       // preferred size (points / pixels)
  double min_size = 6;   // shrink down to this before ellipsizing
  bool bold = false;
  int max_lines = 1;
  Align align = Align::left;
  bool middle = false;   // centre vertically in the box (else top)
  Rgb color{0, 0, 0};
  double leading = 1.18; // line height / size
};

struct FittedText {
  double size = 0;
  std::vector<std::string> lines;
  bool shrunk = false;
  bool ellipsized = false;
  double width = 0;   // widest line, as measured
  double height = 0;  // from the first line's top to the last line's bottom
  double ascent = 0;
  double line_height = 0;
};

// The DejaVu Sans face (Book or Bold). Throws RenderError when the font is not
// registered (install fonts-dejavu-core).
cairo_font_face_t* dejavu_face(bool bold);

// Width of text at size (the larger of the advance and the ink extent).
double text_width(cairo_t* cr, const std::string& text, double size, bool bold);

// Lays text out in a box of w x h without drawing it.
FittedText fit_text(cairo_t* cr, const std::string& text, double w, double h, const TextStyle& style);

// Fits and draws text in box; returns the layout used.
FittedText draw_text(cairo_t* cr, const std::string& text, const Box& box, const TextStyle& style);

// Removes UTF-8 characters from the end of text until text + "…" fits in w.
std::string ellipsize(cairo_t* cr, const std::string& text, double w, double size, bool bold);

}  // namespace rtm::render
