// rtm render briefing: the one-page weekly briefing (METHOD.md §8), drawn with
// Cairo on a PDF surface; the map is drawn by Mapnik's Cairo renderer into its
// frame. Every text goes through Page::text, which fits it to its box and
// records a layout fault if it ever would not fit (then nothing is written).
#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/version.hpp"
#include "io/output_dir.hpp"
#include "render/cairo_text.hpp"
#include "render/decorations.hpp"
#include "render/map_draw.hpp"
#include "render/place_change.hpp"
#include "render/render.hpp"
#include "render/run_info.hpp"
#include "render/style_template.hpp"

namespace rtm::render {

namespace {

constexpr Rgb kInk{0.10, 0.10, 0.10};
constexpr Rgb kGrey{0.33, 0.33, 0.33};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string percent(double share) {
  const double p = share * 100;
  return fmt(p < 10 ? "%.1f" : "%.0f", p) + " %";
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string rank_list(const std::vector<int>& ranks, std::size_t max_listed) {
  std::vector<std::string> s;
  for (std::size_t i = 0; i < ranks.size() && i < max_listed; ++i) s.push_back("#" + std::to_string(ranks[i]));
  if (ranks.size() > max_listed) s.push_back("…");
  return join(s, ", ");
}

class Page {
 public:
  Page(cairo_t* cr, double w, double h) : cr_(cr), w_(w), h_(h) {}
  cairo_t* cr() const { return cr_; }

  FittedText text(const std::string& s, const Box& b, const TextStyle& st) {
    check_box(b, s);
    const FittedText f = draw_text(cr_, s, b, st);
    ++report.texts;
    if (f.shrunk) ++report.shrunk;
    if (f.ellipsized) ++report.ellipsized;
    if (f.width > b.w + 0.01 || f.height > b.h + 0.01)
      faults_.push_back("'" + s.substr(0, 40) + "' needs " + fmt("%.1f", f.width) + " x " + fmt("%.1f", f.height) +
                        " pt in a box of " + fmt("%.1f", b.w) + " x " + fmt("%.1f", b.h));
    return f;
  }

  void check_box(const Box& b, const std::string& what) {
    if (b.x < -0.01 || b.y < -0.01 || b.right() > w_ + 0.01 || b.bottom() > h_ + 0.01)
      faults_.push_back("the box of '" + what.substr(0, 40) + "' leaves the page");
  }

  void fill(const Box& b, Rgb c) {
    cairo_rectangle(cr_, b.x, b.y, b.w, b.h);
    cairo_set_source_rgb(cr_, c.r, c.g, c.b);
    cairo_fill(cr_);
  }

  void frame(const Box& b, Rgb c, double lw) {
    cairo_rectangle(cr_, b.x, b.y, b.w, b.h);
    cairo_set_source_rgb(cr_, c.r, c.g, c.b);
    cairo_set_line_width(cr_, lw);
    cairo_stroke(cr_);
  }

  void hline(double x0, double x1, double y, Rgb c, double lw) {
    cairo_move_to(cr_, x0, y);
    cairo_line_to(cr_, x1, y);
    cairo_set_source_rgb(cr_, c.r, c.g, c.b);
    cairo_set_line_width(cr_, lw);
    cairo_stroke(cr_);
  }

  const std::vector<std::string>& faults() const { return faults_; }
  BriefingReport report;

 private:
  cairo_t* cr_;
  double w_, h_;
  std::vector<std::string> faults_;
};

TextStyle style(double size, double min_size, bool bold = false, int lines = 1, Align align = Align::left,
                Rgb color = kInk) {
  TextStyle s;
  s.size = size;
  s.min_size = min_size;
  s.bold = bold;
  s.max_lines = lines;
  s.align = align;
  s.color = color;
  s.middle = true;
  return s;
}

// The sensitivity marking: a dark band for internal products, an outlined one for public.
void marking(Page& page, const Box& b, Audience a) {
  const bool internal = a == Audience::internal;
  if (internal) {
    page.fill(b, kInk);
  } else {
    page.frame(b, kInk, 0.8);
  }
  page.text(internal ? "LAW ENFORCEMENT SENSITIVE" : "PUBLIC", Box{b.x + 4, b.y + 1, b.w - 8, b.h - 2},
            style(b.h * 0.62, 5, true, 1, Align::center, internal ? Rgb{1, 1, 1} : kInk));
}

struct Column {
  std::string header;
  double weight;
  Align align;
  int lines;
};

void places_table(Page& page, const Box& b, const RunInfo& run, std::size_t rows, const PlaceChange* change,
                  double font, double header_h) {
  std::vector<Column> cols = {{"#", 0.05, Align::right, 1},
                              {"Area km²", 0.08, Align::right, 1},
                              {"Mean risk", 0.08, Align::right, 1},
                              {"Incidents\nlast " + std::to_string(run.recent_weeks) + " wk", 0.12, Align::right, 1},
                              {"Hot spot", 0.07, Align::center, 1},
                              {"Risk factors present (strongest first)", 0.35, Align::left, 3},
                              {"Busiest days; hours", 0.19, Align::left, 2}};
  if (change) cols.push_back({"Rank last run", 0.08, Align::center, 1});
  double total = 0;
  for (const auto& c : cols) total += c.weight;
  const double pad = std::max(1.5, font * 0.3);
  const double row_h = (b.h - header_h) / static_cast<double>(std::max<std::size_t>(rows, 1));
  std::vector<double> xs{b.x};
  for (const auto& c : cols) xs.push_back(xs.back() + b.w * c.weight / total);
  // Header.
  page.fill(Box{b.x, b.y, b.w, header_h}, {0.88, 0.88, 0.90});
  for (std::size_t i = 0; i < cols.size(); ++i) {
    auto st = style(font * 0.92, std::min(font * 0.92, 4.5), true, 2, cols[i].align);
    page.text(cols[i].header, Box{xs[i] + pad, b.y + 1, xs[i + 1] - xs[i] - 2 * pad, header_h - 2}, st);
  }
  // Cells as text, then one size per column (the smallest any of its cells
  // needs, but not below 80 % of the font: longer texts are ellipsized), so
  // rows read alike.
  const std::size_t n = std::min(rows, run.places.size());
  std::vector<std::vector<std::string>> cells(n);
  for (std::size_t r = 0; r < n; ++r) {
    const PlaceRow& p = run.places[r];
    std::vector<std::string> factors;
    for (const auto& f : p.factors) factors.push_back(humanize(f));
    cells[r] = {std::to_string(p.rank),
                fmt("%.2f", p.area_km2),
                fmt(p.mean_risk < 10 ? "%.1f" : "%.0f", p.mean_risk) + "×",
                std::to_string(p.observed_recent),
                p.priority ? "yes" : "no",
                factors.empty() ? "–" : join(factors, ", "),
                p.busiest_days + (p.busiest_hours.empty() ? "" : "; " + p.busiest_hours)};
    if (change) {
      const auto it = change->previous_rank.find(p.rank);
      cells[r].push_back(it == change->previous_rank.end() ? "new" : "#" + std::to_string(it->second));
    }
  }
  // As many lines as the row holds, up to the column's limit.
  const int row_lines = std::max(1, static_cast<int>((row_h - 1) / (font * 1.18)));
  std::vector<double> col_size(cols.size(), font);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const int lines = std::min(cols[i].lines, row_lines);
    for (std::size_t r = 0; r < n; ++r) {
      const auto f = fit_text(page.cr(), cells[r][i], xs[i + 1] - xs[i] - 2 * pad, row_h - 1,
                              style(font, font * 0.8, false, lines, cols[i].align));
      col_size[i] = std::min(col_size[i], f.size);
    }
  }
  for (std::size_t r = 0; r < n; ++r) {
    const PlaceRow& p = run.places[r];
    const double y = b.y + header_h + row_h * static_cast<double>(r);
    if (r % 2 == 1) page.fill(Box{b.x, y, b.w, row_h}, {0.955, 0.955, 0.965});
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const bool bold = i == 0 || (i == 4 && p.priority);
      auto st = style(col_size[i], col_size[i], bold, std::min(cols[i].lines, row_lines), cols[i].align);
      page.text(cells[r][i], Box{xs[i] + pad, y + 0.5, xs[i + 1] - xs[i] - 2 * pad, row_h - 1}, st);
    }
  }
  page.hline(b.x, b.right(), b.y + header_h, kGrey, 0.6);
  page.hline(b.x, b.right(), b.bottom(), kGrey, 0.6);
}

// The legend strip under the map: the legend, then the scale bar and north arrow.
void legend_strip(Page& page, const Box& b, const Palette& palette, Audience a, const RunInfo& run,
                  const MapFrame& frame, double font) {
  const double furniture_w = std::min(b.w * 0.3, font * 15);
  const Box legend{b.x, b.y, b.w - furniture_w - font, b.h};
  page.check_box(legend, "legend");
  draw_legend(page.cr(), legend, palette, a, run, font, 2, frame.scale_denominator);
  const Box right{b.right() - furniture_w, b.y, furniture_w, b.h};
  const double arrow_w = std::min(right.h * 0.55, right.w * 0.3);
  const Box arrow{right.right() - arrow_w, right.y + 2, arrow_w, std::min(right.h - 4, arrow_w * 1.6)};
  page.check_box(arrow, "north arrow");
  draw_north_arrow(page.cr(), arrow, frame.north_rad);
  const double bar_h = std::min(right.h * 0.45, font * 2.4);
  page.check_box(Box{right.x, right.bottom() - bar_h, right.w - arrow_w - font, bar_h}, "scale bar");
  draw_scale_bar(page.cr(), right.x, right.bottom() - bar_h, right.w - arrow_w - font, bar_h, frame.metres_per_unit,
                 font * 0.9);
}

// The legend as a column beside the map: the legend on top, then the north
// arrow and the scale bar.
void legend_column(Page& page, const Box& b, const Palette& palette, Audience a, const RunInfo& run,
                   const MapFrame& frame, double font) {
  const double furniture_h = std::min(b.h * 0.3, font * 4.5);
  const double rows = static_cast<double>(legend_entry_count(a, run)) + 1.2;
  const Box legend{b.x, b.y, b.w, std::min(b.h - furniture_h - font, rows * font * 1.75)};
  page.check_box(legend, "legend");
  draw_legend(page.cr(), legend, palette, a, run, font, 1, frame.scale_denominator);
  const double y = legend.bottom() + font;
  const double arrow_w = std::min(furniture_h * 0.5, b.w * 0.25);
  const Box arrow{b.right() - arrow_w, y, arrow_w, furniture_h};
  page.check_box(arrow, "north arrow");
  draw_north_arrow(page.cr(), arrow, frame.north_rad);
  const double bar_h = std::min(furniture_h * 0.5, font * 2.4);
  const Box bar{b.x, y + furniture_h - bar_h, b.w - arrow_w - font, bar_h};
  page.check_box(bar, "scale bar");
  draw_scale_bar(page.cr(), bar.x, bar.y, bar.w, bar.h, frame.metres_per_unit, font * 0.9);
}

}  // namespace

BriefingReport render_briefing_pdf(const std::string& run_dir, const std::string& out_pdf, const BriefingOptions& o) {
  const RunInfo run = read_run_info(run_dir);
  const Palette palette = load_palette(o.style.styles_dir);
  PlaceChange change;
  bool has_change = false;
  if (!o.previous_run.empty()) {
    try {
      const RunInfo prev = with_context("while reading the previous run " + o.previous_run,
                                        [&] { return read_run_info(o.previous_run); });
      if (prev.crs != run.crs)
        throw RenderError("the previous run " + o.previous_run + " uses " + prev.crs + ", this one " + run.crs +
                          ": places cannot be compared");
      if (prev.as_of == run.as_of && o.previous_optional) throw RenderError("same as-of date");
      change = compare_places(run, prev);
      has_change = true;
    } catch (const RenderError&) {
      if (!o.previous_optional) throw;
    }
  }

  // Page geometry (PostScript points).
  double W = o.paper == Paper::a4 ? 595.276 : 612.0, H = o.paper == Paper::a4 ? 841.890 : 792.0;
  if (o.landscape) std::swap(W, H);
  const double m = std::round(std::min(W, H) * 0.045);
  const Box content{m, m, W - 2 * m, H - 2 * m};
  const double gap = 6;

  const std::string tmp = io::temporary_name_for(out_pdf);
  cairo_surface_t* surface = cairo_pdf_surface_create(tmp.c_str(), W, H);
  if (const cairo_status_t st = cairo_surface_status(surface); st != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    std::remove(tmp.c_str());
    throw OutputError("cannot write " + out_pdf + ": " + cairo_status_to_string(st));
  }
  const std::string title = sentence_case(run.crime_type) + " risk briefing" +
                            (run.study_name.empty() ? "" : ": " + run.study_name);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, ("rtm " + std::string(kRtmVersion)).c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT,
                                 o.style.audience == Audience::internal ? "LAW ENFORCEMENT SENSITIVE" : "PUBLIC");
  cairo_t* cr = cairo_create(surface);
  Page page(cr, W, H);
  page.report.page_w_pt = W;
  page.report.page_h_pt = H;
  page.report.has_change = has_change;

  try {
    // Top: marking, title, dates.
    const double mark_h = 14;
    double y = content.y;
    marking(page, Box{content.x, y, content.w, mark_h}, o.style.audience);
    y += mark_h + gap;
    page.text(title, Box{content.x, y, content.w, 21}, style(16, 9, true));
    y += 21 + 2;
    const std::string dates = "Model trained on incidents " + run.train_start + " to " + run.train_end +
                              " · recent window " + run.recent_start + " to " + run.recent_end + " (" +
                              std::to_string(run.recent_weeks) + " weeks) · for the weeks from " + run.as_of;
    page.text(dates, Box{content.x, y, content.w, 11}, style(8.5, 5.5, false, 1, Align::left, kGrey));
    y += 11;
    const std::string cutoff = "Data cut-off: incidents recorded up to " + run.train_end + " · " +
                               std::to_string(run.place_count) + " highest-risk places in " +
                               fmt("%.1f", run.study_area_km2) + " km² · made " + run.created_utc.substr(0, 10) +
                               " with rtm " + kRtmVersion;
    page.text(cutoff, Box{content.x, y, content.w, 11}, style(8.5, 5.5, false, 1, Align::left, kGrey));
    y += 11 + gap;

    // Bottom: distribution line and marking.
    double bottom = content.bottom();
    marking(page, Box{content.x, bottom - mark_h, content.w, mark_h}, o.style.audience);
    bottom -= mark_h + 3;
    const std::string distribution =
        !o.distribution.empty() ? o.distribution
        : o.style.audience == Audience::internal
            ? "Distribution: law enforcement personnel with a need to know. Do not forward, post or release to the "
              "public: shows incident locations."
            : "Distribution: unrestricted. Aggregated risk only: no incident locations are shown.";
    page.text(distribution, Box{content.x, bottom - 18, content.w, 18}, style(7.5, 5, true, 2));
    bottom -= 18 + gap;
    const Box body{content.x, y, content.w, bottom - y};

    const std::string headline = "The " + std::to_string(run.place_count) + " highest-risk places cover " +
                                 percent(run.place_area_share) + " of the study area and held " +
                                 percent(run.place_incident_share) + " of its " + run.crime_type + " incidents (" +
                                 run.train_start + " to " + run.train_end + ").";
    std::string change_text;
    if (has_change) {
      change_text = "Change since the previous run (as of " + change.previous_as_of +
                    "): " + std::to_string(change.new_ranks.size()) +
                    (change.new_ranks.size() == 1 ? " new place" : " new places") +
                    (change.new_ranks.empty() ? "" : " (" + rank_list(change.new_ranks, 8) + ")") + ", " +
                    std::to_string(change.persistent_ranks.size()) + " persistent, " +
                    std::to_string(change.gone_ranks.size()) + " gone.";
    } else {
      change_text = "Change since the previous run: not shown (no previous run given).";
    }
    // The study's goal, when it has one, shares the change box (which grows for it).
    const bool goal = !run.goal_text.empty();
    if (goal) change_text += " " + run.goal_text;
    const std::string footnote =
        "Mean risk: the relative risk score averaged over the place's cells (the lowest-risk cell = 1×). Places are "
        "groups of highest-risk cells, ranked by the model's expected incidents; hot spot: recent incidents cluster "
        "there (Gi*). Risk factors are associations estimated by the model, not proven causes.";

    const double font = std::clamp(std::min(W, H) / 85.0, 6.0, 7.5);  // table and legend
    // The legend strip: two columns of entries under a title row.
    const double legend_h =
        font * 1.75 * (static_cast<double>((legend_entry_count(o.style.audience, run) + 1) / 2) + 1.4);
    const double table_title_h = 13;
    const double header_h = font * 2.6;
    const double row_h = font * 2.6;  // two lines
    const std::size_t want_rows = std::min(o.max_places, run.places.size());
    std::size_t rows = 0;
    Box map_box, legend_box, headline_box, table_box, change_box, foot_box;
    bool legend_beside = false;

    if (!o.landscape) {
      const double headline_h = 30, change_h = goal ? 44 : 22, foot_h = 20;
      const double fixed = headline_h + gap + legend_h + gap + table_title_h + header_h + gap + change_h + foot_h;
      const double map_min = body.h * 0.36;
      const double room = body.h - fixed - map_min;
      rows = std::min<std::size_t>(want_rows, room > 0 ? static_cast<std::size_t>(room / row_h) : 0);
      const double table_h = header_h + row_h * static_cast<double>(rows);
      double yy = body.y;
      headline_box = {body.x, yy, body.w, headline_h};
      yy += headline_h + gap;
      const double map_h = body.h - fixed + header_h - table_h;
      // The map across the page with the legend under it, or, for studies
      // taller than wide, the map beside a legend column: whichever shows the
      // study larger.
      const Extent ext = study_extent(run, 0.02);
      const double sw = ext.maxx - ext.minx, sh = ext.maxy - ext.miny;
      const double scale_across = std::min(body.w / sw, map_h / sh);
      const double side_w = std::max(150.0, font * 22);
      const double region_h = map_h + legend_h;
      const double beside_w = std::min(body.w - side_w - gap, region_h * sw / sh);
      const double scale_beside = std::min(beside_w / sw, region_h / sh);
      if (scale_beside > scale_across * 1.05) {
        map_box = {body.x, yy, beside_w, region_h};
        legend_box = {body.x + beside_w + gap, yy, body.w - beside_w - gap, region_h};
        legend_beside = true;
      } else {
        map_box = {body.x, yy, body.w, map_h};
        legend_box = {body.x, yy + map_h + 3, body.w, legend_h - 3};
      }
      yy += region_h + gap;
      table_box = {body.x, yy + table_title_h, body.w, table_h};
      yy += table_title_h + table_h + gap;
      change_box = {body.x, yy, body.w, change_h};
      foot_box = {body.x, yy + change_h, body.w, foot_h};
    } else {
      const double left_w = std::round(body.w * 0.55);
      const Box left{body.x, body.y, left_w, body.h};
      const Box right{body.x + left_w + 12, body.y, body.w - left_w - 12, body.h};
      map_box = {left.x, left.y, left.w, left.h - legend_h};
      legend_box = {left.x, map_box.bottom() + 3, left.w, legend_h - 3};
      const double headline_h = 44, change_h = goal ? 60 : 32, foot_h = 36;
      const double fixed = headline_h + gap + table_title_h + header_h + gap + change_h + gap + foot_h;
      const double room = right.h - fixed;
      rows = std::min<std::size_t>(want_rows, room > 0 ? static_cast<std::size_t>(room / row_h) : 0);
      // Rows grow into the room left (three lines of factors at most).
      const double grown = rows ? std::min(font * 3.7, room / static_cast<double>(rows)) : row_h;
      const double table_h = header_h + grown * static_cast<double>(rows);
      double yy = right.y;
      headline_box = {right.x, yy, right.w, headline_h};
      yy += headline_h + gap;
      table_box = {right.x, yy + table_title_h, right.w, table_h};
      yy += table_title_h + table_h + gap;
      change_box = {right.x, yy, right.w, change_h};
      foot_box = {right.x, right.bottom() - foot_h, right.w, foot_h};
    }
    page.report.table_rows = rows;
    page.report.map_w_pt = map_box.w;
    page.report.map_h_pt = map_box.h;

    // Headline.
    page.fill(headline_box, {0.93, 0.92, 0.96});
    page.text(headline, Box{headline_box.x + 6, headline_box.y + 2, headline_box.w - 12, headline_box.h - 4},
              style(10.5, 6.5, true, o.landscape ? 3 : 2));

    // Map, then its frame.
    page.check_box(map_box, "map");
    const int label_top = static_cast<int>(std::max<std::size_t>(rows, 5));
    const std::string xml = map_xml(run, o.style, "", label_top, false);
    if (!o.style.save_xml.empty()) io::write_text_file(o.style.save_xml, xml);
    const MapFrame frame = draw_map_cairo(cr, map_box, run, xml, study_extent(run, 0.02), 3.0, 0.75);
    page.frame(map_box, kGrey, 0.6);
    if (legend_beside) legend_column(page, legend_box, palette, o.style.audience, run, frame, font);
    else legend_strip(page, legend_box, palette, o.style.audience, run, frame, font);

    // Top places.
    if (rows > 0) {
      page.text("Top " + std::to_string(rows) + " of " + std::to_string(run.places.size()) +
                    " places (numbers as on the map)",
                Box{table_box.x, table_box.y - table_title_h, table_box.w, table_title_h - 1}, style(9, 6, true));
      places_table(page, table_box, run, rows, has_change ? &change : nullptr, font, header_h);
    }
    page.text(change_text, change_box, style(8.5, 5.5, has_change, goal ? (o.landscape ? 6 : 4) : 2));
    page.text(footnote, foot_box, style(6.5, 4.5, false, 4, Align::left, kGrey));
  } catch (...) {
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    std::remove(tmp.c_str());
    throw;
  }
  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t st = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    std::remove(tmp.c_str());
    throw OutputError("cannot write " + out_pdf + ": " + cairo_status_to_string(st));
  }
  if (!page.faults().empty()) {
    std::remove(tmp.c_str());
    throw RenderError("the briefing layout does not fit the page: " + page.faults().front());
  }
  io::commit_file(tmp, out_pdf);
  return page.report;
}

}  // namespace rtm::render
