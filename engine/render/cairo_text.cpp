#include "render/cairo_text.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <cairo-ft.h>
#include <mapnik/font_engine_freetype.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <sstream>

#include "core/error.hpp"
#include "render/mapnik_env.hpp"

namespace rtm::render {

namespace {

const char* const kEllipsis = "\xE2\x80\xA6";  // U+2026

struct Fonts {
  FT_Library library = nullptr;
  cairo_font_face_t* book = nullptr;
  cairo_font_face_t* bold = nullptr;
  std::string error;
};

cairo_font_face_t* load_face(FT_Library lib, const std::string& face_name, std::string& error) {
  const auto& mapping = mapnik::freetype_engine::get_mapping();
  const auto it = mapping.find(face_name);
  if (it == mapping.end()) {
    error = "the font '" + face_name + "' is not installed (Debian: fonts-dejavu-core); labels would vanish";
    return nullptr;
  }
  FT_Face face = nullptr;
  if (FT_New_Face(lib, it->second.second.c_str(), it->second.first, &face) != 0) {
    error = "cannot open the font file " + it->second.second;
    return nullptr;
  }
  // The FT_Face lives as long as the process (the faces are cached below).
  return cairo_ft_font_face_create_for_ft_face(face, 0);
}

Fonts& fonts() {
  static Fonts f;
  static std::once_flag once;
  std::call_once(once, [] {
    ensure_mapnik();
    if (FT_Init_FreeType(&f.library) != 0) {
      f.error = "cannot initialise FreeType";
      return;
    }
    f.book = load_face(f.library, "DejaVu Sans Book", f.error);
    if (f.book) f.bold = load_face(f.library, "DejaVu Sans Bold", f.error);
  });
  return f;
}

void set_font(cairo_t* cr, double size, bool bold) {
  cairo_set_font_face(cr, dejavu_face(bold));
  cairo_set_font_size(cr, size);
  // Unhinted metrics: the same measures on image, recording and PDF surfaces.
  cairo_font_options_t* opts = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(opts, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr, opts);
  cairo_font_options_destroy(opts);
}

double measure(cairo_t* cr, const std::string& text) {
  if (text.empty()) return 0;
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  // From the leftmost ink (or the origin) to the rightmost ink (or the advance).
  return std::max(e.x_advance, e.x_bearing + e.width) - std::min(0.0, e.x_bearing);
}

std::vector<std::string> split_words(const std::string& para) {
  std::vector<std::string> words;
  std::istringstream in(para);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

// Greedy wrapping at the current font; paragraphs split on '\n'.
std::vector<std::string> wrap(cairo_t* cr, const std::string& text, double w) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    const std::string para = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    std::string line;
    for (const auto& word : split_words(para)) {
      const std::string candidate = line.empty() ? word : line + " " + word;
      if (line.empty() || measure(cr, candidate) <= w) {
        line = candidate;
      } else {
        lines.push_back(line);
        line = word;
      }
    }
    lines.push_back(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

// Drops whole UTF-8 characters from the end.
void pop_utf8(std::string& s) {
  while (!s.empty()) {
    const unsigned char c = static_cast<unsigned char>(s.back());
    s.pop_back();
    if ((c & 0xC0) != 0x80) break;  // removed a lead byte or an ASCII char
  }
}

std::string ellipsize_current(cairo_t* cr, std::string text, double w) {
  if (measure(cr, text) <= w) return text;
  while (!text.empty()) {
    pop_utf8(text);
    while (!text.empty() && (text.back() == ' ' || text.back() == ',' || text.back() == ';')) text.pop_back();
    if (measure(cr, text + kEllipsis) <= w) return text + kEllipsis;
  }
  return measure(cr, kEllipsis) <= w ? std::string(kEllipsis) : std::string();
}

}  // namespace

cairo_font_face_t* dejavu_face(bool bold) {
  Fonts& f = fonts();
  cairo_font_face_t* face = bold ? f.bold : f.book;
  if (!face) throw RenderError(f.error.empty() ? "the DejaVu Sans font cannot be loaded" : f.error);
  return face;
}

double text_width(cairo_t* cr, const std::string& text, double size, bool bold) {
  cairo_save(cr);
  set_font(cr, size, bold);
  const double w = measure(cr, text);
  cairo_restore(cr);
  return w;
}

std::string ellipsize(cairo_t* cr, const std::string& text, double w, double size, bool bold) {
  cairo_save(cr);
  set_font(cr, size, bold);
  std::string out = ellipsize_current(cr, text, w);
  cairo_restore(cr);
  return out;
}

FittedText fit_text(cairo_t* cr, const std::string& text, double w, double h, const TextStyle& style) {
  FittedText fit;
  if (w <= 0 || h <= 0) return fit;
  cairo_save(cr);
  const int max_lines = std::max(1, style.max_lines);
  const double min_size = std::min(style.min_size, style.size);
  auto layout_at = [&](double size) {
    set_font(cr, size, style.bold);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    fit.size = size;
    fit.ascent = fe.ascent;
    fit.line_height = std::max(size * style.leading, fe.ascent + fe.descent);
    return fe.ascent + fe.descent;
  };
  auto height_of = [&](std::size_t n, double glyph_h) {
    return n == 0 ? 0.0 : static_cast<double>(n - 1) * fit.line_height + glyph_h;
  };
  bool done = false;
  // Largest size (in quarter points) at which the wrapped text fits whole.
  for (double size = style.size; size >= min_size - 1e-9; size -= 0.25) {
    const double glyph_h = layout_at(size);
    auto lines = wrap(cr, text, w);
    bool ok = static_cast<int>(lines.size()) <= max_lines && height_of(lines.size(), glyph_h) <= h + 1e-9;
    for (const auto& l : lines) ok = ok && measure(cr, l) <= w + 1e-9;
    if (ok) {
      fit.lines = std::move(lines);
      fit.shrunk = size < style.size;
      fit.height = height_of(fit.lines.size(), glyph_h);
      done = true;
      break;
    }
  }
  if (!done) {
    // At the smallest size: as many lines as the box holds, the rest ellipsized.
    double size = min_size;
    double glyph_h = layout_at(size);
    while (glyph_h > h && size > 1) {  // not even one line: shrink to the box height
      size = std::max(1.0, std::min(size * 0.9, size * h / glyph_h));
      glyph_h = layout_at(size);
    }
    if (glyph_h > h) {  // no legible size fits: draw nothing
      cairo_restore(cr);
      fit.lines.clear();
      fit.ellipsized = !text.empty();
      return fit;
    }
    auto lines = wrap(cr, text, w);
    std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(max_lines), lines.size());
    while (keep > 1 && height_of(keep, glyph_h) > h) --keep;
    bool cut = keep < lines.size();
    if (cut) {
      std::string last = lines[keep - 1];
      for (std::size_t i = keep; i < lines.size(); ++i) last += " " + lines[i];
      lines.resize(keep);
      lines.back() = last;
    }
    for (auto& l : lines) {
      const std::string e = ellipsize_current(cr, l, w);
      cut = cut || e != l;
      l = e;
    }
    fit.lines = std::move(lines);
    fit.shrunk = size < style.size;
    fit.ellipsized = cut;
    fit.height = height_of(fit.lines.size(), glyph_h);
  }
  for (const auto& l : fit.lines) fit.width = std::max(fit.width, measure(cr, l));
  cairo_restore(cr);
  return fit;
}

FittedText draw_text(cairo_t* cr, const std::string& text, const Box& box, const TextStyle& style) {
  FittedText fit = fit_text(cr, text, box.w, box.h, style);
  if (fit.lines.empty()) return fit;
  cairo_save(cr);
  set_font(cr, fit.size, style.bold);
  cairo_set_source_rgb(cr, style.color.r, style.color.g, style.color.b);
  double y = box.y + fit.ascent + (style.middle ? (box.h - fit.height) / 2 : 0.0);
  for (const auto& line : fit.lines) {
    const double lw = measure(cr, line);
    double x = box.x;
    if (style.align == Align::center) x = box.x + (box.w - lw) / 2;
    if (style.align == Align::right) x = box.right() - lw;
    cairo_text_extents_t e;
    cairo_text_extents(cr, line.c_str(), &e);
    cairo_move_to(cr, x - std::min(0.0, e.x_bearing), y);
    cairo_show_text(cr, line.c_str());
    y += fit.line_height;
  }
  cairo_restore(cr);
  return fit;
}

}  // namespace rtm::render
