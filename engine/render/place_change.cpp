#include "render/place_change.hpp"

#include <mapnik/datasource.hpp>
#include <mapnik/datasource_cache.hpp>
#include <mapnik/feature.hpp>
#include <mapnik/featureset.hpp>
#include <mapnik/geometry.hpp>
#include <mapnik/query.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "render/mapnik_env.hpp"

namespace rtm::render {

namespace {

using Ring = std::vector<std::pair<double, double>>;

Ring ring_of(const mapnik::geometry::linear_ring<double>& r) {
  Ring out;
  out.reserve(r.size());
  for (const auto& p : r) out.emplace_back(p.x, p.y);
  return out;
}

void add_polygon(PlaceShape& s, const mapnik::geometry::polygon<double>& poly) {
  std::vector<Ring> rings;
  rings.push_back(ring_of(poly.exterior_ring));
  for (const auto& hole : poly.interior_rings) rings.push_back(ring_of(hole));
  s.parts.push_back(std::move(rings));
}

}  // namespace

std::vector<PlaceShape> read_place_shapes(const std::string& places_gpkg) {
  ensure_mapnik();
  if (!std::filesystem::exists(places_gpkg)) throw RenderError(places_gpkg + " does not exist");
  std::vector<PlaceShape> shapes;
  try {
    mapnik::parameters p;
    p["type"] = std::string("ogr");
    p["file"] = places_gpkg;
    p["layer"] = std::string("places");
    const auto ds = mapnik::datasource_cache::instance().create(p);
    mapnik::query q(ds->envelope());
    q.add_property_name("rank");
    const auto features = ds->features(q);
    while (features) {
      const auto f = features->next();
      if (!f) break;
      PlaceShape s;
      s.rank = static_cast<int>(f->get("rank").to_int());
      const auto& g = f->get_geometry();
      if (g.is<mapnik::geometry::polygon<double>>()) {
        add_polygon(s, g.get<mapnik::geometry::polygon<double>>());
      } else if (g.is<mapnik::geometry::multi_polygon<double>>()) {
        for (const auto& poly : g.get<mapnik::geometry::multi_polygon<double>>()) add_polygon(s, poly);
      } else {
        continue;
      }
      bool first = true;
      for (const auto& part : s.parts)
        for (const auto& [x, y] : part.front()) {
          if (first) {
            s.minx = s.maxx = x;
            s.miny = s.maxy = y;
            first = false;
          }
          s.minx = std::min(s.minx, x);
          s.maxx = std::max(s.maxx, x);
          s.miny = std::min(s.miny, y);
          s.maxy = std::max(s.maxy, y);
        }
      if (!first) shapes.push_back(std::move(s));
    }
  } catch (const RenderError&) {
    throw;
  } catch (const std::exception& e) {
    throw RenderError("cannot read the places of " + places_gpkg + ": " + e.what());
  }
  std::sort(shapes.begin(), shapes.end(), [](const PlaceShape& a, const PlaceShape& b) { return a.rank < b.rank; });
  return shapes;
}

std::map<std::pair<std::string, long>, double> read_leverage(const std::string& places_gpkg) {
  ensure_mapnik();
  std::map<std::pair<std::string, long>, double> out;
  try {
    mapnik::parameters p;
    p["type"] = std::string("ogr");
    p["file"] = places_gpkg;
    p["layer"] = std::string("leverage");
    const auto ds = mapnik::datasource_cache::instance().create(p);
    mapnik::query q(ds->envelope());
    for (const char* name : {"factor", "feature_id", "leverage"}) q.add_property_name(name);
    const auto features = ds->features(q);
    while (features) {
      const auto f = features->next();
      if (!f) break;
      out[{f->get("factor").to_string(), static_cast<long>(f->get("feature_id").to_int())}] =
          f->get("leverage").to_double();
    }
  } catch (const std::exception& e) {
    throw RenderError("cannot read the leverage table of " + places_gpkg + ": " + e.what());
  }
  return out;
}

bool contains(const PlaceShape& shape, double x, double y) {
  if (x < shape.minx || x > shape.maxx || y < shape.miny || y > shape.maxy) return false;
  for (const auto& part : shape.parts) {
    bool inside = false;
    for (const auto& ring : part) {
      const std::size_t n = ring.size();
      for (std::size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
        const auto [xi, yi] = ring[i];
        const auto [xj, yj] = ring[j];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
      }
    }
    if (inside) return true;
  }
  return false;
}

std::vector<std::pair<double, double>> cell_centres(const PlaceShape& shape, const RunInfo& run) {
  std::vector<std::pair<double, double>> out;
  const double cell = run.cell_size_m * run.units_per_metre;
  if (!(cell > 0)) return out;
  const long c0 = std::max(0L, static_cast<long>(std::floor((shape.minx - run.west) / cell)));
  const long c1 = std::min(run.cols - 1, static_cast<long>(std::floor((shape.maxx - run.west) / cell)));
  const long r0 = std::max(0L, static_cast<long>(std::floor((run.north - shape.maxy) / cell)));
  const long r1 = std::min(run.rows - 1, static_cast<long>(std::floor((run.north - shape.miny) / cell)));
  for (long r = r0; r <= r1; ++r)
    for (long c = c0; c <= c1; ++c) {
      const double x = run.west + (static_cast<double>(c) + 0.5) * cell;
      const double y = run.north - (static_cast<double>(r) + 0.5) * cell;
      if (contains(shape, x, y)) out.emplace_back(x, y);
    }
  return out;
}

PlaceChange compare_places(const RunInfo& current, const RunInfo& previous) {
  const auto cur = read_place_shapes(current.run_dir + "/places.gpkg");
  const auto prev = read_place_shapes(previous.run_dir + "/places.gpkg");
  PlaceChange change;
  change.previous_as_of = previous.as_of;
  for (const auto& c : cur) {
    std::map<int, int> shared;  // previous rank -> cells of c inside it
    for (const auto& [x, y] : cell_centres(c, current))
      for (const auto& p : prev)
        if (contains(p, x, y)) ++shared[p.rank];
    if (shared.empty()) {
      change.new_ranks.push_back(c.rank);
    } else {
      change.persistent_ranks.push_back(c.rank);
      int best = shared.begin()->first, most = 0;
      for (const auto& [rank, n] : shared)
        if (n > most) best = rank, most = n;  // ties: the better (lower) previous rank
      change.previous_rank[c.rank] = best;
    }
  }
  for (const auto& p : prev) {
    bool kept = false;
    for (const auto& [x, y] : cell_centres(p, previous)) {
      for (const auto& c : cur)
        if (contains(c, x, y)) {
          kept = true;
          break;
        }
      if (kept) break;
    }
    if (!kept) change.gone_ranks.push_back(p.rank);
  }
  return change;
}

}  // namespace rtm::render
