#include "render/decorations.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace rtm::render {

double round_scale_length(double max_length) {
  if (!(max_length > 0) || !std::isfinite(max_length)) return 0;
  const double p = std::pow(10.0, std::floor(std::log10(max_length)));
  for (double m : {5.0, 2.0, 1.0})
    if (m * p <= max_length * (1 + 1e-12)) return m * p;
  return p;  // not reached: 1 x p <= max_length
}

std::string length_label(double metres) {
  char buf[32];
  if (metres >= 1000) {
    std::snprintf(buf, sizeof buf, "%g km", metres / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%g m", metres);
  }
  return buf;
}

double draw_scale_bar(cairo_t* cr, double x, double y, double max_w, double h, double metres_per_unit, double font) {
  if (!(metres_per_unit > 0) || max_w <= 4 || h <= 4) return 0;
  const double len_m = round_scale_length(max_w * metres_per_unit);
  const double len = len_m / metres_per_unit;
  if (len < 4) return 0;
  const double bar_h = std::max(2.0, std::min(h * 0.3, font * 0.55));
  const double text_h = h - bar_h - 1;
  cairo_save(cr);
  // Labels above the bar: 0 at the left end, the length at the right end.
  TextStyle ts;
  ts.size = font;
  ts.min_size = std::min(font, 4.0);
  ts.middle = true;
  ts.align = Align::left;
  draw_text(cr, "0", Box{x, y, len / 2, text_h}, ts);
  ts.align = Align::right;
  draw_text(cr, length_label(len_m), Box{x + len / 4, y, len * 0.75, text_h}, ts);
  // The bar: four alternating segments, outlined.
  const double by = y + h - bar_h;
  for (int i = 0; i < 4; ++i) {
    cairo_rectangle(cr, x + len * i / 4, by, len / 4, bar_h);
    if (i % 2 == 0) cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    else cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
  }
  cairo_rectangle(cr, x, by, len, bar_h);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_line_width(cr, std::max(0.5, bar_h * 0.12));
  cairo_stroke(cr);
  cairo_restore(cr);
  return len;
}

void draw_north_arrow(cairo_t* cr, const Box& box, double angle_rad) {
  if (box.w < 4 || box.h < 8) return;
  const double letter_h = std::min(box.h * 0.32, box.w * 0.9);
  const double arrow_h = box.h - letter_h;
  const double cx = box.x + box.w / 2;
  const double cy = box.y + letter_h + arrow_h / 2;
  // Rotated, the arrow must stay inside the box.
  const double half_w = std::min(box.w * 0.45, arrow_h * 0.3) * (1 - std::min(0.5, std::fabs(std::sin(angle_rad))));
  cairo_save(cr);
  TextStyle ts;
  ts.size = letter_h;
  ts.min_size = std::min(letter_h, 4.0);
  ts.bold = true;
  ts.align = Align::center;
  ts.middle = true;
  draw_text(cr, "N", Box{box.x, box.y, box.w, letter_h}, ts);
  cairo_translate(cr, cx, cy);
  cairo_rotate(cr, angle_rad);
  // A split arrowhead: the left half filled, the right half outlined.
  const double top = -arrow_h / 2, bottom = arrow_h / 2, notch = arrow_h * 0.22;
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  cairo_set_line_width(cr, std::max(0.5, arrow_h * 0.04));
  cairo_move_to(cr, 0, top);
  cairo_line_to(cr, -half_w, bottom);
  cairo_line_to(cr, 0, bottom - notch);
  cairo_close_path(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_fill_preserve(cr);
  cairo_stroke(cr);
  cairo_move_to(cr, 0, top);
  cairo_line_to(cr, half_w, bottom);
  cairo_line_to(cr, 0, bottom - notch);
  cairo_close_path(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_stroke(cr);
  cairo_restore(cr);
}

namespace {

enum class Symbol { heading, swatch, priority_line, place_line, boundary_line, incident_dot, factor_dot, factor_line,
                    factor_area, context_line };

struct Entry {
  Symbol symbol;
  std::string colour;  // palette key (swatch); #rrggbb for factors
  std::string text;
  bool ring = false;   // factor_dot: a ring (white fill, coloured outline)
};

void set_hex(cairo_t* cr, const std::string& hex) {
  const Rgb c = parse_rgb(hex);
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void set_rgb(cairo_t* cr, const Palette& p, const std::string& key) {
  const Rgb c = parse_rgb(p.at(key));
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void draw_symbol(cairo_t* cr, const Entry& e, const Box& b, const Palette& p) {
  cairo_save(cr);
  cairo_new_path(cr);  // no line from a previous text's current point into an arc
  const double my = b.y + b.h / 2;
  switch (e.symbol) {
    case Symbol::heading:
      break;
    case Symbol::swatch:
      cairo_rectangle(cr, b.x, b.y, b.w, b.h);
      set_rgb(cr, p, e.colour);
      cairo_fill_preserve(cr);
      cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
      cairo_set_line_width(cr, 0.5);
      cairo_stroke(cr);
      break;
    case Symbol::priority_line:
    case Symbol::place_line: {
      // A small outlined square, as places are drawn: casing, then the line.
      const double inset = b.h * 0.08;
      cairo_rectangle(cr, b.x + inset, b.y + inset, b.w - 2 * inset, b.h - 2 * inset);
      set_rgb(cr, p, "class_3");
      cairo_fill_preserve(cr);
      if (e.symbol == Symbol::priority_line) {
        set_rgb(cr, p, "place_casing");
        cairo_set_line_width(cr, b.h * 0.3);
        cairo_stroke_preserve(cr);
      }
      set_rgb(cr, p, "place_line");
      if (e.symbol == Symbol::place_line) {
        const double dash[] = {b.h * 0.2, b.h * 0.1};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_line_width(cr, b.h * 0.09);
      } else {
        cairo_set_line_width(cr, b.h * 0.16);
      }
      cairo_stroke(cr);
      break;
    }
    case Symbol::boundary_line:
      cairo_move_to(cr, b.x, my);
      cairo_line_to(cr, b.right(), my);
      set_rgb(cr, p, "boundary");
      cairo_set_line_width(cr, std::max(0.6, b.h * 0.12));
      cairo_stroke(cr);
      break;
    case Symbol::factor_dot: {
      const double r = b.h * 0.26;
      cairo_arc(cr, b.x + b.w / 2, my, r, 0, 2 * M_PI);
      if (e.ring) cairo_set_source_rgb(cr, 1, 1, 1);
      else set_hex(cr, e.colour);
      cairo_fill_preserve(cr);
      if (e.ring) set_hex(cr, e.colour);
      else cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_set_line_width(cr, r * (e.ring ? 0.45 : 0.25));
      cairo_stroke(cr);
      break;
    }
    case Symbol::factor_line:
      cairo_move_to(cr, b.x, my);
      cairo_line_to(cr, b.right(), my);
      set_hex(cr, e.colour);
      cairo_set_line_width(cr, std::max(0.6, b.h * 0.14));
      cairo_stroke(cr);
      break;
    case Symbol::factor_area: {
      const double inset = b.h * 0.12;
      cairo_rectangle(cr, b.x + inset, b.y + inset, b.w - 2 * inset, b.h - 2 * inset);
      const Rgb c = parse_rgb(e.colour);
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.2);
      cairo_fill_preserve(cr);
      set_hex(cr, e.colour);
      cairo_set_line_width(cr, std::max(0.5, b.h * 0.08));
      cairo_stroke(cr);
      break;
    }
    case Symbol::context_line: {
      cairo_move_to(cr, b.x, my);
      cairo_line_to(cr, b.right(), my);
      set_rgb(cr, p, "context_line");
      const double dash[] = {b.h * 0.45, b.h * 0.18};
      cairo_set_dash(cr, dash, 2, 0);
      cairo_set_line_width(cr, std::max(0.5, b.h * 0.08));
      cairo_stroke(cr);
      break;
    }
    case Symbol::incident_dot: {
      const double r = b.h * 0.28;
      cairo_arc(cr, b.x + b.w / 2, my, r, 0, 2 * M_PI);
      set_rgb(cr, p, "incident");
      cairo_fill_preserve(cr);
      set_rgb(cr, p, "incident_line");
      cairo_set_line_width(cr, r * 0.25);
      cairo_stroke(cr);
      break;
    }
  }
  cairo_restore(cr);
}

}  // namespace

namespace {

std::vector<Entry> legend_entries(const Palette& palette, Audience audience, const RunInfo& run,
                                  double scale_denominator) {
  std::vector<Entry> entries = {
      {Symbol::swatch, "class_3", "Highest risk (mean + 2 SD and up)"},
      {Symbol::swatch, "class_2", "Moderately high (mean + 1 SD)"},
      {Symbol::swatch, "class_1", "Above average"},
      {Symbol::swatch, "class_0", "Below average"},
      {Symbol::priority_line, "", "Priority place (hot spot); 1 = rank"},
      {Symbol::place_line, "", "Other highest-risk place"},
      {Symbol::boundary_line, "", "Study area"},
  };
  if (audience == Audience::internal) {
    entries.push_back({Symbol::incident_dot, "",
                       run.recent_weeks > 0 ? "Incident, last " + std::to_string(run.recent_weeks) + " weeks"
                                            : "Recent incident"});
  }
  if (!run.factors.empty()) {
    const bool points_hidden = scale_denominator > kFactorPointsMaxScale &&
                               std::any_of(run.factors.begin(), run.factors.end(),
                                           [](const MapFactor& f) { return f.geometry == "point"; });
    entries.push_back({Symbol::heading, "",
                       points_hidden ? "Model's factors (points drawn from 1:150,000)" : "Model's factors:"});
  }
  for (std::size_t i = 0; i < run.factors.size(); ++i) {
    const MapFactor& f = run.factors[i];
    const FactorSymbol sym = factor_symbol(palette, i);
    const Symbol symbol =
        f.geometry == "line" ? Symbol::factor_line : f.geometry == "polygon" ? Symbol::factor_area : Symbol::factor_dot;
    entries.push_back({symbol, sym.colour, sentence_case(humanize(f.name)) + (f.protective ? " (protective)" : ""),
                       sym.ring});
  }
  if (run.has_context) entries.push_back({Symbol::context_line, "", "Districts / neighbourhoods"});
  return entries;
}

}  // namespace

std::size_t legend_entry_count(Audience audience, const RunInfo& run) {
  return 7 + (audience == Audience::internal ? 1 : 0) + (run.factors.empty() ? 0 : 1 + run.factors.size()) +
         (run.has_context ? 1 : 0);
}

double draw_legend(cairo_t* cr, const Box& box, const Palette& palette, Audience audience, const RunInfo& run,
                   double font, int columns, double scale_denominator) {
  const std::vector<Entry> entries = legend_entries(palette, audience, run, scale_denominator);
  columns = std::max(1, std::min(columns, 2));
  const std::size_t per_col = (entries.size() + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns);
  // Title row plus entry rows; rows shrink with the box.
  const double rows = static_cast<double>(per_col) + 1.2;
  const double row_h = std::min(font * 1.75, box.h / rows);
  if (row_h < 3) return 0;
  const double f = std::min(font, row_h / 1.45);
  TextStyle title;
  title.size = f * 1.05;
  title.min_size = std::min(title.size, 4.0);
  title.bold = true;
  title.middle = true;
  draw_text(cr, "Risk of " + run.crime_type, Box{box.x, box.y, box.w, row_h * 1.2}, title);
  const double col_w = box.w / columns;
  const double sym_w = f * 1.9, sym_h = f * 1.05;
  TextStyle ts;
  ts.size = f;
  ts.min_size = std::min(f, 4.0);
  ts.middle = true;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::size_t col = i / per_col, row = i % per_col;
    const double x = box.x + col_w * static_cast<double>(col);
    const double y = box.y + row_h * (1.2 + static_cast<double>(row));
    if (entries[i].symbol == Symbol::heading) {  // a group heading across the column, in bold
      TextStyle hs = ts;
      hs.bold = true;
      draw_text(cr, entries[i].text, Box{x + 1, y, col_w - f * 0.6 - 1, row_h}, hs);
      continue;
    }
    draw_symbol(cr, entries[i], Box{x + 1, y + (row_h - sym_h) / 2, sym_w, sym_h}, palette);
    draw_text(cr, entries[i].text, Box{x + sym_w + f * 0.6, y, col_w - sym_w - f * 1.2, row_h}, ts);
  }
  return row_h * rows;
}

}  // namespace rtm::render
