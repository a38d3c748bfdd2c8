#pragma once
// Map furniture drawn with Cairo around or over a map: scale bar in round
// numbers, north arrow, legend. Shared by the PNG overview and the briefing.
#include <cairo.h>

#include <cstddef>
#include <string>

#include "render/cairo_text.hpp"
#include "render/render.hpp"
#include "render/run_info.hpp"
#include "render/scale.hpp"
#include "render/style_template.hpp"

namespace rtm::render {

// A scale bar of a round length, at most max_w wide, its left end at x and its
// labels and bar inside [y, y + h]. metres_per_unit: ground metres per drawing
// unit. Returns the width drawn (0 when nothing fits).
double draw_scale_bar(cairo_t* cr, double x, double y, double max_w, double h, double metres_per_unit, double font);

// A north arrow fitted in box, pointing angle_rad clockwise from the page's up.
void draw_north_arrow(cairo_t* cr, const Box& box, double angle_rad);

// The largest scale denominator at which styles/factor.xml draws point
// features (must match its rules).
constexpr double kFactorPointsMaxScale = 150000;

// Rows of the legend: the classes, places and boundary, incidents for the
// internal audience, a heading and one row per factor of the model, the
// context outlines.
std::size_t legend_entry_count(Audience audience, const RunInfo& run);

// The legend (risk classes, places, boundary, incidents for the internal
// audience, the model's factors, the context outlines) fitted into box: rows shrink to fit, text never overflows.
// columns: 1 or 2. Returns the height used.
// scale_denominator: the map's (MapFrame); above kFactorPointsMaxScale the
// factors' heading says their points are not drawn at this scale.
double draw_legend(cairo_t* cr, const Box& box, const Palette& palette, Audience audience, const RunInfo& run,
                   double font, int columns, double scale_denominator);

}  // namespace rtm::render
