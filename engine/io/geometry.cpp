#include "io/geometry.hpp"

#include <geos_c.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdarg>
#include <limits>
#include <cstdio>

#include "core/error.hpp"

namespace rtm::io {

namespace {

void geos_notice(const char*, void*) {}
void geos_error(const char* message, void* userdata) {
  auto* s = static_cast<std::string*>(userdata);
  if (s != nullptr && message != nullptr) *s = message;
}

// One GEOS context per thread.
struct Ctx {
  GEOSContextHandle_t h;
  std::string last_error;
  Ctx() : h(GEOS_init_r()) {
    GEOSContext_setNoticeMessageHandler_r(h, geos_notice, nullptr);
    GEOSContext_setErrorMessageHandler_r(h, geos_error, &last_error);
  }
  ~Ctx() { GEOS_finish_r(h); }
};
Ctx& ctx() {
  thread_local Ctx c;
  return c;
}

struct GeomDeleter {
  void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(ctx().h, g); }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

GeomPtr from_wkb(const Wkb& wkb) {
  GEOSGeometry* g = GEOSGeomFromWKB_buf_r(ctx().h, wkb.data(), wkb.size());
  if (g == nullptr) throw DataError("cannot decode geometry: " + ctx().last_error);
  return GeomPtr(g);
}

Wkb to_wkb(const GEOSGeometry* g) {
  GEOSWKBWriter* w = GEOSWKBWriter_create_r(ctx().h);
  std::size_t n = 0;
  unsigned char* buf = GEOSWKBWriter_write_r(ctx().h, w, g, &n);
  Wkb out(buf, buf + n);
  GEOSFree_r(ctx().h, buf);
  GEOSWKBWriter_destroy_r(ctx().h, w);
  return out;
}

}  // namespace

std::optional<std::string> invalid_reason(const Wkb& wkb) {
  GeomPtr g = from_wkb(wkb);
  if (GEOSisValid_r(ctx().h, g.get()) == 1) return std::nullopt;
  char* r = GEOSisValidReason_r(ctx().h, g.get());
  std::string reason = r != nullptr ? r : "invalid";
  GEOSFree_r(ctx().h, r);
  return reason;
}

Wkb make_valid(const Wkb& wkb) {
  GeomPtr g = from_wkb(wkb);
  GeomPtr v(GEOSMakeValid_r(ctx().h, g.get()));
  if (!v) throw DataError("cannot repair geometry: " + ctx().last_error);
  return to_wkb(v.get());
}

bool overlap(const Wkb& a, const Wkb& b) {
  GeomPtr ga = from_wkb(a), gb = from_wkb(b);
  if (GEOSIntersects_r(ctx().h, ga.get(), gb.get()) != 1) return false;
  GeomPtr i(GEOSIntersection_r(ctx().h, ga.get(), gb.get()));
  double area = 0;
  if (i) GEOSArea_r(ctx().h, i.get(), &area);
  return area > 0;
}

void point_on_surface(const Wkb& wkb, double& x, double& y) {
  GeomPtr g = from_wkb(wkb);
  GeomPtr p(GEOSPointOnSurface_r(ctx().h, g.get()));
  if (!p || GEOSGeomGetX_r(ctx().h, p.get(), &x) != 1 || GEOSGeomGetY_r(ctx().h, p.get(), &y) != 1)
    throw DataError("cannot find a point on the geometry: " + ctx().last_error);
}

namespace {
GEOSCoordSequence* sequence(const std::vector<double>& xy) {
  const auto n = static_cast<unsigned>(xy.size() / 2);
  GEOSCoordSequence* s = GEOSCoordSeq_create_r(ctx().h, n, 2);
  for (unsigned i = 0; i < n; ++i) GEOSCoordSeq_setXY_r(ctx().h, s, i, xy[2 * i], xy[2 * i + 1]);
  return s;
}
}  // namespace

Wkb linestring_wkb(const std::vector<double>& xy) {
  if (xy.size() < 4) throw Error("internal: a line needs two points");
  GeomPtr g(GEOSGeom_createLineString_r(ctx().h, sequence(xy)));
  return to_wkb(g.get());
}

Wkb polygon_wkb(std::vector<double> ring) {
  if (ring.size() < 6) throw Error("internal: a polygon needs three points");
  if (ring[0] != ring[ring.size() - 2] || ring[1] != ring[ring.size() - 1]) {
    ring.push_back(ring[0]);
    ring.push_back(ring[1]);
  }
  GEOSGeometry* shell = GEOSGeom_createLinearRing_r(ctx().h, sequence(ring));
  GeomPtr g(GEOSGeom_createPolygon_r(ctx().h, shell, nullptr, 0));
  return to_wkb(g.get());
}

namespace {
int distance_cb(const void* item1, const void* item2, double* distance, void*) {
  return GEOSDistance_r(ctx().h, static_cast<const GEOSGeometry*>(item1), static_cast<const GEOSGeometry*>(item2),
                        distance);
}
}  // namespace

std::vector<double> nearest_distances(const std::vector<Wkb>& geoms, const std::vector<double>& xs,
                                      const std::vector<double>& ys) {
  std::vector<double> out(xs.size(), std::numeric_limits<double>::infinity());
  if (geoms.empty()) return out;
  std::vector<GeomPtr> owned;
  owned.reserve(geoms.size());
  GEOSSTRtree* tree = GEOSSTRtree_create_r(ctx().h, 10);
  for (const auto& w : geoms) {
    owned.push_back(from_wkb(w));
    GEOSSTRtree_insert_r(ctx().h, tree, owned.back().get(), owned.back().get());
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    GeomPtr p(GEOSGeom_createPointFromXY_r(ctx().h, xs[i], ys[i]));
    const void* hit = GEOSSTRtree_nearest_generic_r(ctx().h, tree, p.get(), p.get(), distance_cb, nullptr);
    if (hit != nullptr) GEOSDistance_r(ctx().h, static_cast<const GEOSGeometry*>(hit), p.get(), &out[i]);
  }
  GEOSSTRtree_destroy_r(ctx().h, tree);
  return out;
}

void sample_line(const Wkb& line, double spacing, std::vector<double>& xs, std::vector<double>& ys,
                 std::vector<double>& weights) {
  GeomPtr g = from_wkb(line);
  const int parts = GEOSGetNumGeometries_r(ctx().h, g.get());
  for (int k = 0; k < parts; ++k) {
    const GEOSGeometry* part = GEOSGetGeometryN_r(ctx().h, g.get(), k);
    double len = 0;
    GEOSLength_r(ctx().h, part, &len);
    if (!(len > 0)) continue;
    const auto n = static_cast<int>(std::ceil(len / spacing));
    const double step = len / n;
    for (int i = 0; i < n; ++i) {
      GeomPtr p(GEOSInterpolate_r(ctx().h, part, (i + 0.5) * step));
      double x = 0, y = 0;
      GEOSGeomGetX_r(ctx().h, p.get(), &x);
      GEOSGeomGetY_r(ctx().h, p.get(), &y);
      xs.push_back(x);
      ys.push_back(y);
      weights.push_back(step);
    }
  }
}

struct GeometryIndex::Impl {
  std::vector<GeomPtr> geoms;
  GEOSSTRtree* tree = nullptr;
  ~Impl() {
    if (tree != nullptr) GEOSSTRtree_destroy_r(ctx().h, tree);
  }
};

GeometryIndex::GeometryIndex(const std::vector<Wkb>& geoms) : impl_(std::make_unique<Impl>()) {
  impl_->tree = GEOSSTRtree_create_r(ctx().h, 10);
  impl_->geoms.reserve(geoms.size());
  for (std::size_t i = 0; i < geoms.size(); ++i) {
    impl_->geoms.push_back(from_wkb(geoms[i]));
    // the item is the index + 1 (never a null pointer)
    GEOSSTRtree_insert_r(ctx().h, impl_->tree, impl_->geoms.back().get(),
                         reinterpret_cast<void*>(static_cast<std::uintptr_t>(i + 1)));
  }
  // GEOS builds the tree on the first query; build it now, so that queries
  // from several threads only read it.
  GeomPtr nowhere(GEOSGeom_createPointFromXY_r(ctx().h, 0.0, 0.0));
  GEOSSTRtree_query_r(ctx().h, impl_->tree, nowhere.get(), [](void*, void*) {}, nullptr);
}
GeometryIndex::GeometryIndex(GeometryIndex&&) noexcept = default;
GeometryIndex::~GeometryIndex() = default;

std::vector<std::pair<std::size_t, double>> GeometryIndex::within(double x, double y, double radius) const {
  std::vector<std::size_t> hits;
  GeomPtr env(GEOSGeom_createRectangle_r(ctx().h, x - radius, y - radius, x + radius, y + radius));
  GEOSSTRtree_query_r(
      ctx().h, impl_->tree, env.get(),
      [](void* item, void* user) {
        static_cast<std::vector<std::size_t>*>(user)->push_back(reinterpret_cast<std::uintptr_t>(item) - 1);
      },
      &hits);
  std::vector<std::pair<std::size_t, double>> out;
  GeomPtr p(GEOSGeom_createPointFromXY_r(ctx().h, x, y));
  for (std::size_t i : hits) {
    double d = 0;
    GEOSDistance_r(ctx().h, impl_->geoms[i].get(), p.get(), &d);
    if (d <= radius) out.emplace_back(i, d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Area::Impl {
  GeomPtr geom;
  const GEOSPreparedGeometry* prepared = nullptr;
  explicit Impl(GeomPtr g) : geom(std::move(g)) { prepared = GEOSPrepare_r(ctx().h, geom.get()); }
  ~Impl() {
    if (prepared != nullptr) GEOSPreparedGeom_destroy_r(ctx().h, prepared);
  }
};

Area::Area(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Area::Area() = default;
Area::Area(Area&&) noexcept = default;
Area& Area::operator=(Area&&) noexcept = default;
Area::~Area() = default;

Area Area::from_parts(const std::vector<Wkb>& parts, const std::string& what) {
  if (parts.empty()) throw DataError(what + ": no polygon found");
  std::vector<GEOSGeometry*> raw;
  for (const auto& w : parts) {
    GeomPtr g = from_wkb(w);
    const int t = GEOSGeomTypeId_r(ctx().h, g.get());
    if (t != GEOS_POLYGON && t != GEOS_MULTIPOLYGON) {
      for (auto* r : raw) GEOSGeom_destroy_r(ctx().h, r);
      char* type = GEOSGeomType_r(ctx().h, g.get());
      const std::string found = type != nullptr ? type : "geometry of another type";
      GEOSFree_r(ctx().h, type);
      throw DataError(what + ": expected polygons, found a " + found);
    }
    if (GEOSisValid_r(ctx().h, g.get()) != 1) {
      char* r = GEOSisValidReason_r(ctx().h, g.get());
      std::string reason = r != nullptr ? r : "invalid";
      GEOSFree_r(ctx().h, r);
      for (auto* q : raw) GEOSGeom_destroy_r(ctx().h, q);
      throw DataError(what + ": the study-area polygon is not valid (" + reason +
                      "); repair it first, e.g. with `ogr2ogr -makevalid`");
    }
    raw.push_back(g.release());
  }
  GeomPtr coll(GEOSGeom_createCollection_r(ctx().h, GEOS_GEOMETRYCOLLECTION, raw.data(),
                                           static_cast<unsigned>(raw.size())));
  GeomPtr u(GEOSUnaryUnion_r(ctx().h, coll.get()));
  if (!u) throw DataError(what + ": cannot union the area polygons: " + ctx().last_error);
  double a = 0;
  GEOSArea_r(ctx().h, u.get(), &a);
  if (!(a > 0)) throw DataError(what + ": the study area has zero area");
  return Area(std::make_unique<Impl>(std::move(u)));
}

bool Area::covers(double x, double y) const {
  GeomPtr p(GEOSGeom_createPointFromXY_r(ctx().h, x, y));
  return GEOSPreparedCovers_r(ctx().h, impl_->prepared, p.get()) == 1;
}

bool Area::intersects(const Wkb& wkb) const {
  GeomPtr g = from_wkb(wkb);
  return GEOSPreparedIntersects_r(ctx().h, impl_->prepared, g.get()) == 1;
}

Area Area::buffered(double distance) const {
  GeomPtr b(GEOSBuffer_r(ctx().h, impl_->geom.get(), distance, 8));
  if (!b) throw DataError("cannot buffer the study area: " + ctx().last_error);
  return Area(std::make_unique<Impl>(std::move(b)));
}

Area Area::copy() const {
  GeomPtr c(GEOSGeom_clone_r(ctx().h, impl_->geom.get()));
  if (!c) throw DataError("cannot copy the study area: " + ctx().last_error);
  return Area(std::make_unique<Impl>(std::move(c)));
}

Box Area::bounds() const {
  Box b;
  GEOSGeom_getXMin_r(ctx().h, impl_->geom.get(), &b.min_x);
  GEOSGeom_getYMin_r(ctx().h, impl_->geom.get(), &b.min_y);
  GEOSGeom_getXMax_r(ctx().h, impl_->geom.get(), &b.max_x);
  GEOSGeom_getYMax_r(ctx().h, impl_->geom.get(), &b.max_y);
  return b;
}

double Area::area() const {
  double a = 0;
  GEOSArea_r(ctx().h, impl_->geom.get(), &a);
  return a;
}

Wkb Area::wkb() const { return to_wkb(impl_->geom.get()); }

}  // namespace rtm::io
