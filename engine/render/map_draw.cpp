#include "render/map_draw.hpp"

#include <mapnik/agg_renderer.hpp>
#include <mapnik/cairo/cairo_renderer.hpp>
#include <mapnik/image.hpp>
#include <mapnik/image_util.hpp>
#include <mapnik/image_view.hpp>
#include <mapnik/load_map.hpp>
#include <mapnik/map.hpp>
#include <mapnik/proj_transform.hpp>
#include <mapnik/projection.hpp>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "render/mapnik_env.hpp"

namespace rtm::render {

namespace {

void load(mapnik::Map& m, const std::string& xml) {
  ensure_mapnik();
  try {
    mapnik::load_map_string(m, xml, true);
  } catch (const std::exception& e) {
    throw RenderError(std::string("the map style cannot be loaded: ") + e.what());
  }
}

// Direction of true north at the centre of the extent, clockwise from grid up.
double north_angle(const RunInfo& run, double cx, double cy) {
  try {
    const mapnik::projection src(run.crs), geo("epsg:4326");
    const mapnik::proj_transform to_geo(src, geo);
    double x = cx, y = cy, z = 0;
    if (!to_geo.forward(x, y, z)) return 0;
    double x2 = x, y2 = std::min(89.0, y + 0.01), z2 = 0;
    if (!to_geo.backward(x2, y2, z2)) return 0;
    const double a = std::atan2(x2 - cx, y2 - cy);
    return std::isfinite(a) ? a : 0.0;
  } catch (const std::exception&) {
    return 0;  // an unknown CRS for PROJ: grid north
  }
}

MapFrame frame_of(const mapnik::Map& m, const RunInfo& run, double units_wide) {
  const auto& e = m.get_current_extent();
  MapFrame f;
  f.minx = e.minx();
  f.miny = e.miny();
  f.maxx = e.maxx();
  f.maxy = e.maxy();
  f.metres_per_unit = e.width() / run.units_per_metre / units_wide;
  f.north_rad = north_angle(run, e.center().x, e.center().y);
  f.scale_denominator = m.scale_denominator();
  return f;
}

unsigned to_px(double v) { return static_cast<unsigned>(std::max(1.0, std::round(v))); }

}  // namespace

Extent study_extent(const RunInfo& run, double margin) {
  const double pad = margin * std::max(run.east - run.west, run.north - run.south);
  return {run.west - pad, run.south - pad, run.east + pad, run.north + pad};
}

MapFrame draw_map_cairo(cairo_t* cr, const Box& box, const RunInfo& run, const std::string& xml, const Extent& extent,
                        double supersample, double symbol_scale) {
  const unsigned w = to_px(box.w * supersample), h = to_px(box.h * supersample);
  mapnik::Map m(w, h);
  load(m, xml);
  m.zoom_to_box(mapnik::box2d<double>(extent.minx, extent.miny, extent.maxx, extent.maxy));
  cairo_save(cr);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_clip(cr);
  cairo_translate(cr, box.x, box.y);
  cairo_scale(cr, box.w / w, box.h / h);
  try {
    mapnik::cairo_ptr ctx(cairo_reference(cr), mapnik::cairo_closer());
    mapnik::cairo_renderer<mapnik::cairo_ptr> ren(m, ctx, supersample * symbol_scale);
    ren.apply();
  } catch (const std::exception& e) {
    cairo_restore(cr);
    throw RenderError(std::string("the map cannot be drawn: ") + e.what());
  }
  cairo_restore(cr);
  MapFrame f = frame_of(m, run, box.w);
  f.scale_denominator *= supersample * symbol_scale;  // as Mapnik's renderer scales it for the style's rules
  return f;
}

cairo_surface_t* draw_map_agg(unsigned width, unsigned height, const RunInfo& run, const std::string& xml,
                              const Extent& extent, double scale_factor, MapFrame* frame) {
  mapnik::Map m(width, height);
  load(m, xml);
  m.zoom_to_box(mapnik::box2d<double>(extent.minx, extent.miny, extent.maxx, extent.maxy));
  mapnik::image_rgba8 img(width, height);
  try {
    mapnik::agg_renderer<mapnik::image_rgba8> ren(m, img, scale_factor);
    ren.apply();
  } catch (const std::exception& e) {
    throw RenderError(std::string("the map cannot be drawn: ") + e.what());
  }
  if (frame) {
    *frame = frame_of(m, run, width);
    frame->scale_denominator *= scale_factor;  // as Mapnik's renderer scales it for the style's rules
  }
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(width), static_cast<int>(height));
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    throw RenderError("cannot allocate a " + std::to_string(width) + " x " + std::to_string(height) + " image");
  }
  cairo_surface_flush(s);
  unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (unsigned y = 0; y < height; ++y) {
    const auto* row = img.get_row(y);  // RGBA bytes in memory order, straight alpha
    auto* out = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (unsigned x = 0; x < width; ++x) {
      const std::uint32_t p = row[x];
      const std::uint32_t r = p & 0xFF, g = (p >> 8) & 0xFF, b = (p >> 16) & 0xFF, a = (p >> 24) & 0xFF;
      // Cairo wants premultiplied ARGB in a native-endian word.
      out[x] = (a << 24) | ((r * a / 255) << 16) | ((g * a / 255) << 8) | (b * a / 255);
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

Extent to_web_mercator(const RunInfo& run, const Extent& e) {
  try {
    const mapnik::projection src(run.crs), merc("epsg:3857");
    const mapnik::proj_transform tr(src, merc);
    Extent out{1e300, 1e300, -1e300, -1e300};
    const int n = 32;
    for (int i = 0; i <= n; ++i) {
      const double t = static_cast<double>(i) / n;
      const double xs[4] = {e.minx + t * (e.maxx - e.minx), e.minx + t * (e.maxx - e.minx), e.minx, e.maxx};
      const double ys[4] = {e.miny, e.maxy, e.miny + t * (e.maxy - e.miny), e.miny + t * (e.maxy - e.miny)};
      for (int k = 0; k < 4; ++k) {
        double x = xs[k], y = ys[k], z = 0;
        if (!tr.forward(x, y, z)) continue;
        out.minx = std::min(out.minx, x);
        out.maxx = std::max(out.maxx, x);
        out.miny = std::min(out.miny, y);
        out.maxy = std::max(out.maxy, y);
      }
    }
    if (!(out.maxx > out.minx && out.maxy > out.miny)) throw RenderError("no point of the study area reprojects");
    return out;
  } catch (const RenderError&) {
    throw;
  } catch (const std::exception& ex) {
    throw RenderError("the study area cannot be reprojected to web mercator (" + run.crs + "): " + ex.what());
  }
}

void to_lonlat(const RunInfo& run, std::vector<std::pair<double, double>>& points) {
  try {
    const mapnik::projection src(run.crs), geo("epsg:4326");
    const mapnik::proj_transform tr(src, geo);
    for (auto& [x, y] : points) {
      double z = 0;
      if (!tr.forward(x, y, z)) throw RenderError("a place vertex does not reproject to longitude/latitude");
    }
  } catch (const RenderError&) {
    throw;
  } catch (const std::exception& ex) {
    throw RenderError("places cannot be reprojected to longitude/latitude (" + run.crs + "): " + ex.what());
  }
}

struct MercatorRenderer::Impl {
  mapnik::Map map;
};

MercatorRenderer::MercatorRenderer(const std::string& xml, int buffer_px) : impl_(new Impl) {
  try {
    load(impl_->map, xml);
  } catch (...) {
    delete impl_;
    throw;
  }
  impl_->map.set_buffer_size(buffer_px);
  impl_->map.set_background(mapnik::color(0, 0, 0, 0));
}

MercatorRenderer::~MercatorRenderer() { delete impl_; }

std::vector<std::string> MercatorRenderer::render_tiles(unsigned cols, unsigned rows, unsigned tile_px,
                                                        const Extent& e) {
  mapnik::Map& m = impl_->map;
  const unsigned w = cols * tile_px, h = rows * tile_px;
  m.resize(w, h);
  m.zoom_to_box(mapnik::box2d<double>(e.minx, e.miny, e.maxx, e.maxy));
  mapnik::image_rgba8 img(w, h);
  try {
    mapnik::agg_renderer<mapnik::image_rgba8> ren(m, img, 1.0);
    ren.apply();
  } catch (const std::exception& ex) {
    throw RenderError(std::string("tiles cannot be drawn: ") + ex.what());
  }
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(cols) * rows);
  for (unsigned r = 0; r < rows; ++r)
    for (unsigned c = 0; c < cols; ++c) {
      bool empty = true;
      for (unsigned y = r * tile_px; y < (r + 1) * tile_px && empty; ++y) {
        const auto* row = img.get_row(y);
        for (unsigned x = c * tile_px; x < (c + 1) * tile_px; ++x)
          if ((row[x] >> 24) != 0) {
            empty = false;
            break;
          }
      }
      if (empty) {
        out.emplace_back();
        continue;
      }
      const mapnik::image_view_rgba8 view(c * tile_px, r * tile_px, tile_px, tile_px, img);
      out.push_back(mapnik::save_to_string(view, "png8:m=h"));
    }
  return out;
}

}  // namespace rtm::render
