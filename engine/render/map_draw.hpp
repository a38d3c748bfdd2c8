#pragma once
// Mapnik maps of a run: load the filled-in style, fit the study extent into a
// frame, render with AGG (images) or Cairo (PDF pages). Mapnik types stay in
// map_draw.cpp.
#include <cairo.h>

#include <cstdint>
#include <string>
#include <vector>

#include "render/cairo_text.hpp"
#include "render/run_info.hpp"

namespace rtm::render {

// What was drawn: the extent shown (map CRS units), ground metres per drawing
// unit (page point or pixel), and the direction of true north at the centre,
// clockwise from the page's up (radians).
struct MapFrame {
  double minx = 0, miny = 0, maxx = 0, maxy = 0;
  double metres_per_unit = 0;
  double north_rad = 0;
  double scale_denominator = 0;  // Mapnik's (0.28 mm pixels), which the styles' scale rules use
};

// The study grid's extent with a margin of `margin` (a fraction of the larger side).
struct Extent {
  double minx = 0, miny = 0, maxx = 0, maxy = 0;
};
Extent study_extent(const RunInfo& run, double margin);

// Renders the map described by `xml` (map CRS = study CRS) into `box` of the
// Cairo context, clipped to it, showing at least `extent`. supersample: the
// map is rendered at this many device units per unit (crisper rasters in
// PDFs); symbols and labels are drawn at symbol_scale times their size in
// the style, in units.
MapFrame draw_map_cairo(cairo_t* cr, const Box& box, const RunInfo& run, const std::string& xml, const Extent& extent,
                        double supersample, double symbol_scale);

// Renders with AGG into a width x height ARGB32 Cairo image surface (which it
// returns; the caller destroys it). scale_factor scales symbols and text.
cairo_surface_t* draw_map_agg(unsigned width, unsigned height, const RunInfo& run, const std::string& xml,
                              const Extent& extent, double scale_factor, MapFrame* frame);

// The extent e (study CRS) in web mercator (EPSG:3857), from points along its edges.
Extent to_web_mercator(const RunInfo& run, const Extent& e);
// Study-CRS points to longitude/latitude (EPSG:4326), in place.
void to_lonlat(const RunInfo& run, std::vector<std::pair<double, double>>& points);

// Renders web-mercator tiles (map CRS epsg:3857, transparent background) with
// one Mapnik map loaded once; not shareable between threads (one per thread).
class MercatorRenderer {
 public:
  MercatorRenderer(const std::string& xml, int buffer_px);
  ~MercatorRenderer();
  MercatorRenderer(const MercatorRenderer&) = delete;
  MercatorRenderer& operator=(const MercatorRenderer&) = delete;
  // Renders cols x rows tiles of tile_px pixels at once over extent_3857 (a
  // metatile) and cuts it: PNG bytes per tile, row-major from the top left;
  // an empty string for a tile with nothing drawn (fully transparent).
  std::vector<std::string> render_tiles(unsigned cols, unsigned rows, unsigned tile_px, const Extent& extent_3857);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace rtm::render
