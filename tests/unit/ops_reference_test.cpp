// Operationalization against independent implementations: proximity against a
// brute-force nearest distance (points, lines, polygons) and GDAL's own
// proximity algorithm (GDALComputeProximity), kernel density against a
// brute-force kernel sum and, for lines, the exact line integral of the
// quartic kernel; the mean + 2 SD dichotomization against a direct count.
//
// Set RTM_REFERENCE_VERBOSE=1 to print the measured maximum differences.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/bitset.hpp"
#include "core/feature_set.hpp"
#include "core/grid_spec.hpp"
#include "io/geometry.hpp"
#include "core/study_cells.hpp"
#include "ops/operationalize.hpp"
#include "ops/proximity.hpp"

// GDAL is a private dependency of the engine's io library: it is linked into
// this executable, but its include folder is not on the test target's path.
// Debian puts the headers in /usr/include/gdal, reachable as <gdal/...>.
#if __has_include(<gdal.h>)
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#define RTM_TEST_HAVE_GDAL 1
#elif __has_include(<gdal/gdal.h>)
#include <gdal/gdal.h>
#include <gdal/gdal_alg.h>
#include <gdal/ogr_api.h>
#define RTM_TEST_HAVE_GDAL 1
#else
#define RTM_TEST_HAVE_GDAL 0
#endif

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();


void report(const std::string& line) { rtm_test::reference_report(line); }

std::string fmt(double v) { return rtm_test::fmt3(v); }

// A 3 km x 3 km grid of 50 m cells.
rtm::GridSpec grid() {
  rtm::GridSpec g;
  g.west = 350000.0;
  g.north = 580000.0;
  g.cell_size_m = 50.0;
  g.cols = 60;
  g.rows = 60;
  return g;
}

struct Rng {
  std::mt19937_64 gen;
  explicit Rng(std::uint64_t seed) : gen(seed) {}
  double uniform() { return static_cast<double>(gen() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  std::int64_t integer(std::int64_t n) { return static_cast<std::int64_t>(gen() % static_cast<std::uint64_t>(n)); }
};

// `n` distinct random cells of the grid, as study cells.
rtm::StudyCells random_cells(const rtm::GridSpec& g, std::size_t n, Rng& rng) {
  std::set<std::int64_t> chosen;
  while (chosen.size() < n) chosen.insert(rng.integer(g.cell_count()));
  rtm::StudyCells s;
  for (std::int64_t lin : chosen) {
    s.linear.push_back(lin);
    s.x.push_back(g.centre_x(lin % g.cols));
    s.y.push_back(g.centre_y(lin / g.cols));
  }
  return s;
}

rtm::StudyCells all_cells(const rtm::GridSpec& g) {
  return rtm::study_cells(g, std::vector<std::uint8_t>(static_cast<std::size_t>(g.cell_count()), 1));
}

// Points scattered over the grid and up to 300 m beyond it, plus a tight
// cluster in one corner (far from most cells: exercises the index's search).
rtm::FeatureSet random_points(const rtm::GridSpec& g, std::size_t n, Rng& rng) {
  rtm::FeatureSet fs;
  fs.name = "points";
  fs.kind = rtm::GeomKind::point;
  for (std::size_t i = 0; i < n; ++i) {
    rtm::Feature f;
    f.source_fid = static_cast<std::int64_t>(i);
    if (i % 5 == 0) {
      f.x = g.west + rng.uniform(0, 120);
      f.y = g.north - rng.uniform(0, 120);
    } else {
      f.x = rng.uniform(g.west - 300, g.east() + 300);
      f.y = rng.uniform(g.south() - 300, g.north + 300);
    }
    fs.features.push_back(f);
  }
  return fs;
}

using Ring = std::vector<double>;  // x0, y0, x1, y1, ...

// Random polylines: 2 to 6 vertices, 80 to 600 m legs in random directions.
std::vector<Ring> random_polylines(const rtm::GridSpec& g, std::size_t n, Rng& rng) {
  std::vector<Ring> lines;
  for (std::size_t i = 0; i < n; ++i) {
    Ring xy;
    double x = rng.uniform(g.west - 200, g.east() + 200), y = rng.uniform(g.south() - 200, g.north + 200);
    xy.push_back(x);
    xy.push_back(y);
    const std::int64_t legs = 1 + rng.integer(5);
    for (std::int64_t k = 0; k < legs; ++k) {
      const double a = rng.uniform(0, 2 * kPi), len = rng.uniform(80, 600);
      x += len * std::cos(a);
      y += len * std::sin(a);
      xy.push_back(x);
      xy.push_back(y);
    }
    lines.push_back(xy);
  }
  return lines;
}

// Random star-shaped (so simple and valid) polygons, 5 to 9 vertices, radii 80 to 400 m.
std::vector<Ring> random_polygons(const rtm::GridSpec& g, std::size_t n, Rng& rng) {
  std::vector<Ring> polys;
  for (std::size_t i = 0; i < n; ++i) {
    const double cx = rng.uniform(g.west, g.east()), cy = rng.uniform(g.south(), g.north);
    const std::int64_t m = 5 + rng.integer(5);
    Ring ring;
    for (std::int64_t k = 0; k < m; ++k) {
      const double a = 2 * kPi * (static_cast<double>(k) + rng.uniform(0.0, 0.8)) / static_cast<double>(m);
      const double r = rng.uniform(80, 400);
      ring.push_back(cx + r * std::cos(a));
      ring.push_back(cy + r * std::sin(a));
    }
    polys.push_back(ring);
  }
  return polys;
}

rtm::FeatureSet line_features(const std::vector<Ring>& lines) {
  rtm::FeatureSet fs;
  fs.name = "lines";
  fs.kind = rtm::GeomKind::line;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    rtm::Feature f;
    f.source_fid = static_cast<std::int64_t>(i);
    f.x = lines[i][0];
    f.y = lines[i][1];
    f.wkb = rtm::io::linestring_wkb(lines[i]);
    fs.features.push_back(f);
  }
  return fs;
}

rtm::FeatureSet polygon_features(const std::vector<Ring>& polys) {
  rtm::FeatureSet fs;
  fs.name = "polygons";
  fs.kind = rtm::GeomKind::polygon;
  for (std::size_t i = 0; i < polys.size(); ++i) {
    rtm::Feature f;
    f.source_fid = static_cast<std::int64_t>(i);
    f.wkb = rtm::io::polygon_wkb(polys[i]);
    rtm::io::point_on_surface(f.wkb, f.x, f.y);
    fs.features.push_back(f);
  }
  return fs;
}

// ------------------------------------------------------------ brute force --

double segment_distance(double px, double py, double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
  double t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double qx = ax + t * dx - px, qy = ay + t * dy - py;
  return std::sqrt(qx * qx + qy * qy);
}

double polyline_distance(double px, double py, const Ring& xy, bool closed) {
  double best = kInf;
  const std::size_t n = xy.size() / 2;
  for (std::size_t k = 0; k + 1 < n; ++k)
    best = std::min(best, segment_distance(px, py, xy[2 * k], xy[2 * k + 1], xy[2 * k + 2], xy[2 * k + 3]));
  if (closed) best = std::min(best, segment_distance(px, py, xy[2 * n - 2], xy[2 * n - 1], xy[0], xy[1]));
  return best;
}

// Even-odd ray crossing.
bool inside(double px, double py, const Ring& ring) {
  bool in = false;
  const std::size_t n = ring.size() / 2;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const double xi = ring[2 * i], yi = ring[2 * i + 1], xj = ring[2 * j], yj = ring[2 * j + 1];
    if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi) in = !in;
  }
  return in;
}

double quartic(double d2, double h) {
  const double u = d2 / (h * h);
  if (!(u < 1.0)) return 0.0;
  return 3.0 / (kPi * h * h) * (1.0 - u) * (1.0 - u);
}

// The documented line discretization, done here without GEOS: points at the
// middles of ceil(length / spacing) equal pieces of the whole line, each
// weighted by the piece's length.
void sample_polyline(const Ring& xy, double spacing, std::vector<double>& xs, std::vector<double>& ys,
                     std::vector<double>& ws) {
  const std::size_t n = xy.size() / 2;
  std::vector<double> cum{0.0};
  for (std::size_t k = 0; k + 1 < n; ++k)
    cum.push_back(cum.back() + std::hypot(xy[2 * k + 2] - xy[2 * k], xy[2 * k + 3] - xy[2 * k + 1]));
  const double len = cum.back();
  const auto pieces = static_cast<std::size_t>(std::ceil(len / spacing));
  const double step = len / static_cast<double>(pieces);
  std::size_t seg = 0;
  for (std::size_t i = 0; i < pieces; ++i) {
    const double s = (static_cast<double>(i) + 0.5) * step;
    while (seg + 2 < cum.size() && cum[seg + 1] < s) ++seg;
    const double t = (s - cum[seg]) / (cum[seg + 1] - cum[seg]);
    xs.push_back(xy[2 * seg] + t * (xy[2 * seg + 2] - xy[2 * seg]));
    ys.push_back(xy[2 * seg + 1] + t * (xy[2 * seg + 3] - xy[2 * seg + 1]));
    ws.push_back(step);
  }
}

// The exact line density: the integral of the quartic kernel along the line,
// sum over segments of 3/(pi h^6) * integral of (c^2 - t^2)^2 dt over the part
// of the segment within h (t: position along the segment from the foot of the
// perpendicular, c^2 = h^2 - p^2, p the perpendicular distance).
double exact_line_density(double px, double py, const Ring& xy, double h) {
  double total = 0;
  const std::size_t n = xy.size() / 2;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const double ax = xy[2 * k] - px, ay = xy[2 * k + 1] - py;
    const double dx = xy[2 * k + 2] - xy[2 * k], dy = xy[2 * k + 3] - xy[2 * k + 1];
    const double len = std::hypot(dx, dy);
    const double ux = dx / len, uy = dy / len;
    const double t0 = -(ax * ux + ay * uy);  // foot of the perpendicular, from a
    const double px_ = ax + t0 * ux, py_ = ay + t0 * uy;
    const double c2 = h * h - (px_ * px_ + py_ * py_);
    if (!(c2 > 0)) continue;
    const double c = std::sqrt(c2);
    const double lo = std::max(-t0, -c), hi = std::min(len - t0, c);
    if (!(hi > lo)) continue;
    auto F = [c2](double t) { return c2 * c2 * t - 2.0 / 3.0 * c2 * t * t * t + t * t * t * t * t / 5.0; };
    total += 3.0 / (kPi * std::pow(h, 6)) * (F(hi) - F(lo));
  }
  return total;
}

double rel_or_abs(double a, double b, double floor) { return std::fabs(a - b) / std::max(std::fabs(b), floor); }

}  // namespace

// ---------------------------------------------------------------- proximity --

TEST_CASE("distance_field equals a brute-force nearest distance for points", "[reference][ops]") {
  const rtm::GridSpec g = grid();
  Rng rng(11);
  const rtm::FeatureSet pts = random_points(g, 300, rng);
  const rtm::StudyCells cells = random_cells(g, 400, rng);
  const std::vector<double> d = rtm::ops::distance_field(pts, cells);
  REQUIRE(d.size() == cells.size());
  double worst = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    double best = kInf;
    for (const auto& f : pts.features)
      best = std::min(best, std::hypot(f.x - cells.x[i], f.y - cells.y[i]));
    worst = std::max(worst, std::fabs(d[i] - best));
    INFO("cell (" << cells.x[i] << ", " << cells.y[i] << "): rtm " << d[i] << ", brute force " << best);
    CHECK(std::fabs(d[i] - best) <= 1e-9);
  }
  // Only the far cluster: every query is far from the index's only occupied buckets.
  rtm::FeatureSet cluster;
  cluster.kind = rtm::GeomKind::point;
  for (const auto& f : pts.features)
    if (f.x < g.west + 120 && f.y > g.north - 120) cluster.features.push_back(f);
  REQUIRE(cluster.features.size() >= 20);
  const std::vector<double> dc = rtm::ops::distance_field(cluster, cells);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    double best = kInf;
    for (const auto& f : cluster.features) best = std::min(best, std::hypot(f.x - cells.x[i], f.y - cells.y[i]));
    worst = std::max(worst, std::fabs(dc[i] - best));
    CHECK(std::fabs(dc[i] - best) <= 1e-9);
  }
  report("proximity, points: max abs diff vs brute force " + fmt(worst) + " m over " +
         std::to_string(2 * cells.size()) + " cells");
}

TEST_CASE("capped point distances (binned on the grid) equal brute force within the cap", "[reference][ops]") {
  const rtm::GridSpec g = grid();
  Rng rng(14);
  // Random points (some beyond the grid, a far cluster), plus a lattice on the
  // cell corners: equidistant ties, and duplicates of the same coordinates.
  rtm::FeatureSet pts = random_points(g, 400, rng);
  for (int k = 0; k < 40; ++k) {
    rtm::Feature f;
    f.x = g.west + 50.0 * static_cast<double>(10 + k % 7);
    f.y = g.north - 50.0 * static_cast<double>(20 + k / 7);
    pts.features.push_back(f);
    if (k % 3 == 0) pts.features.push_back(f);
  }
  std::vector<double> px, py;
  for (const auto& f : pts.features) {
    px.push_back(f.x);
    py.push_back(f.y);
  }
  const rtm::StudyCells every = all_cells(g);
  const rtm::StudyCells some = random_cells(g, 700, rng);
  // The same cells in a shuffled order (not row-major).
  rtm::StudyCells shuffled = some;
  {
    std::vector<std::size_t> idx(some.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::shuffle(idx.begin(), idx.end(), rng.gen);
    for (std::size_t i = 0; i < idx.size(); ++i) {
      shuffled.linear[i] = some.linear[idx[i]];
      shuffled.x[i] = some.x[idx[i]];
      shuffled.y[i] = some.y[idx[i]];
    }
  }
  double worst = 0;
  std::size_t within = 0, beyond = 0;
  using M = rtm::ops::ProximityMethod;
  for (M method : {M::rows, M::rings, M::automatic})
  for (double cap : {0.0, 49.0, 125.0, 600.0}) {
    for (const rtm::StudyCells* cells : std::vector<const rtm::StudyCells*>{&every, &some, &shuffled}) {
      const std::vector<double> d = rtm::ops::nearest_point_distances(px, py, *cells, g.cell_size_m, cap, method);
      REQUIRE(d.size() == cells->size());
      for (std::size_t i = 0; i < cells->size(); ++i) {
        double best = kInf;
        for (std::size_t p = 0; p < px.size(); ++p)
          best = std::min(best, std::hypot(px[p] - cells->x[i], py[p] - cells->y[i]));
        INFO("method " << static_cast<int>(method) << ", cap " << cap << " m, cell (" << cells->x[i] << ", " << cells->y[i] << "): rtm " << d[i]
                    << ", brute force " << best);
        if (best <= cap) {
          ++within;
          worst = std::max(worst, std::fabs(d[i] - best));
          CHECK(std::fabs(d[i] - best) <= 1e-9);
        } else {
          ++beyond;
          CHECK(std::isinf(d[i]));
        }
      }
    }
  }
  CHECK(within > 1000);
  CHECK(beyond > 1000);
  // No points: every cell beyond the cap.
  for (double v : rtm::ops::nearest_point_distances({}, {}, some, g.cell_size_m, 600.0)) CHECK(std::isinf(v));
  // distance_field with a cap agrees with the uncapped bucket index within the cap.
  const std::vector<double> full = rtm::ops::distance_field(pts, every);
  const std::vector<double> capped = rtm::ops::distance_field(pts, every, g.cell_size_m, 300.0);
  for (std::size_t i = 0; i < every.size(); ++i) {
    if (full[i] <= 300.0)
      CHECK(capped[i] == full[i]);
    else
      CHECK(std::isinf(capped[i]));
  }
  report("proximity, points capped: max abs diff vs brute force " + fmt(worst) + " m over " +
         std::to_string(within) + " cells within the cap, " + std::to_string(beyond) + " beyond it (+inf)");
}

TEST_CASE("distance_field equals a brute-force nearest distance for lines", "[reference][ops]") {
  const rtm::GridSpec g = grid();
  Rng rng(12);
  const std::vector<Ring> lines = random_polylines(g, 30, rng);
  const rtm::FeatureSet fs = line_features(lines);
  const rtm::StudyCells cells = random_cells(g, 400, rng);
  const std::vector<double> d = rtm::ops::distance_field(fs, cells);
  REQUIRE(d.size() == cells.size());
  double worst = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    double best = kInf;
    for (const auto& l : lines) best = std::min(best, polyline_distance(cells.x[i], cells.y[i], l, false));
    worst = std::max(worst, std::fabs(d[i] - best));
    INFO("cell (" << cells.x[i] << ", " << cells.y[i] << "): rtm " << d[i] << ", brute force " << best);
    CHECK(std::fabs(d[i] - best) <= 1e-9);
  }
  report("proximity, lines: max abs diff vs brute force " + fmt(worst) + " m over " + std::to_string(cells.size()) +
         " cells");
}

TEST_CASE("distance_field equals a brute-force nearest distance for polygons (0 inside)", "[reference][ops]") {
  const rtm::GridSpec g = grid();
  Rng rng(13);
  const std::vector<Ring> polys = random_polygons(g, 15, rng);
  const rtm::FeatureSet fs = polygon_features(polys);
  const rtm::StudyCells cells = random_cells(g, 400, rng);
  const std::vector<double> d = rtm::ops::distance_field(fs, cells);
  REQUIRE(d.size() == cells.size());
  double worst = 0;
  std::size_t in = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    double best = kInf;
    for (const auto& p : polys) {
      if (inside(cells.x[i], cells.y[i], p)) {
        best = 0;
        break;
      }
      best = std::min(best, polyline_distance(cells.x[i], cells.y[i], p, true));
    }
    if (best == 0) {
      ++in;
      CHECK(d[i] == 0.0);
    }
    worst = std::max(worst, std::fabs(d[i] - best));
    INFO("cell (" << cells.x[i] << ", " << cells.y[i] << "): rtm " << d[i] << ", brute force " << best);
    CHECK(std::fabs(d[i] - best) <= 1e-9);
  }
  CHECK(in >= 20);                    // the test covers inside cells
  CHECK(in + 100 <= cells.size());    // and outside ones
  report("proximity, polygons: max abs diff vs brute force " + fmt(worst) + " m over " +
         std::to_string(cells.size()) + " cells (" + std::to_string(in) + " inside)");
}

TEST_CASE("distance_field equals GDAL's proximity for points at cell centres", "[reference][ops]") {
#if RTM_TEST_HAVE_GDAL
  const rtm::GridSpec g = grid();
  Rng rng(14);
  // Targets at the centres of 40 random cells.
  rtm::FeatureSet pts;
  pts.kind = rtm::GeomKind::point;
  const rtm::StudyCells targets = random_cells(g, 40, rng);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    rtm::Feature f;
    f.x = targets.x[i];
    f.y = targets.y[i];
    pts.features.push_back(f);
  }
  const rtm::StudyCells cells = all_cells(g);
  const std::vector<double> d = rtm::ops::distance_field(pts, cells);

  GDALAllRegister();
  GDALDriverH mem = GDALGetDriverByName("MEM");
  REQUIRE(mem != nullptr);
  const int cols = static_cast<int>(g.cols), rows = static_cast<int>(g.rows);
  GDALDatasetH src = GDALCreate(mem, "targets", cols, rows, 1, GDT_Byte, nullptr);
  GDALDatasetH dst = GDALCreate(mem, "proximity", cols, rows, 1, GDT_Float64, nullptr);
  REQUIRE(src != nullptr);
  REQUIRE(dst != nullptr);
  double gt[6] = {g.west, g.cell_size_m, 0.0, g.north, 0.0, -g.cell_size_m};
  REQUIRE(GDALSetGeoTransform(src, gt) == CE_None);
  REQUIRE(GDALSetGeoTransform(dst, gt) == CE_None);
  // Rasterize the targets with GDAL (burn 1).
  std::vector<OGRGeometryH> geoms;
  std::vector<double> burn;
  for (const auto& f : pts.features) {
    OGRGeometryH p = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(p, 0, f.x, f.y);
    geoms.push_back(p);
    burn.push_back(1.0);
  }
  int band_list[1] = {1};
  const CPLErr rasterized = GDALRasterizeGeometries(src, 1, band_list, static_cast<int>(geoms.size()), geoms.data(),
                                                    nullptr, nullptr, burn.data(), nullptr, nullptr, nullptr);
  for (OGRGeometryH p : geoms) OGR_G_DestroyGeometry(p);
  REQUIRE(rasterized == CE_None);
  // GDAL put each target in the cell rtm's grid puts it in.
  std::vector<std::uint8_t> burnt(static_cast<std::size_t>(g.cell_count()));
  REQUIRE(GDALRasterIO(GDALGetRasterBand(src, 1), GF_Read, 0, 0, cols, rows, burnt.data(), cols, rows, GDT_Byte, 0,
                       0) == CE_None);
  std::size_t burnt_count = 0;
  for (auto b : burnt) burnt_count += b != 0 ? 1 : 0;
  CHECK(burnt_count == targets.size());
  for (std::int64_t lin : targets.linear) CHECK(burnt[static_cast<std::size_t>(lin)] == 1);
  // Proximity in pixels, then metres.
  std::string values = "VALUES=1", units = "DISTUNITS=PIXEL";
  char* options[] = {values.data(), units.data(), nullptr};
  REQUIRE(GDALComputeProximity(GDALGetRasterBand(src, 1), GDALGetRasterBand(dst, 1), options, nullptr, nullptr) ==
          CE_None);
  std::vector<double> prox(static_cast<std::size_t>(g.cell_count()));
  REQUIRE(GDALRasterIO(GDALGetRasterBand(dst, 1), GF_Read, 0, 0, cols, rows, prox.data(), cols, rows, GDT_Float64, 0,
                       0) == CE_None);
  GDALClose(src);
  GDALClose(dst);
  double worst = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const double gd = prox[static_cast<std::size_t>(cells.linear[i])] * g.cell_size_m;
    const double diff = std::fabs(d[i] - gd);
    worst = std::max(worst, diff);
    INFO("cell " << cells.linear[i] << ": rtm " << d[i] << " m, GDAL " << gd << " m");
    // GDAL computes proximity in single precision: about 1e-7 relative.
    CHECK(diff <= 1e-6 * std::max(1.0, d[i]));
  }
  report("proximity vs GDALComputeProximity " + std::string(GDALVersionInfo("RELEASE_NAME")) +
         ": max abs diff " + fmt(worst) + " m over " + std::to_string(cells.size()) + " cells");
#else
  WARN("GDAL headers are not visible to rtm_unit_tests, so the comparison with GDALComputeProximity is skipped. "
       "It needs one line in tests/CMakeLists.txt: target_link_libraries(rtm_unit_tests PRIVATE GDAL::GDAL)");
#endif
}

// ------------------------------------------------------------------ density --

TEST_CASE("density_fields equals a brute-force quartic kernel sum for points", "[reference][ops]") {
  const rtm::GridSpec g = grid();
  Rng rng(21);
  const rtm::FeatureSet pts = random_points(g, 300, rng);
  const rtm::StudyCells cells = random_cells(g, 400, rng);
  const std::vector<double> bw = {75.0, 150.0, 400.0, 1000.0};
  const auto dens = rtm::ops::density_fields(pts, cells, bw, g.cell_size_m);
  REQUIRE(dens.size() == bw.size());
  double worst = 0;
  for (std::size_t b = 0; b < bw.size(); ++b) {
    REQUIRE(dens[b].size() == cells.size());
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      double sum = 0;
      for (const auto& f : pts.features) {
        const double dx = f.x - cells.x[i], dy = f.y - cells.y[i];
        sum += quartic(dx * dx + dy * dy, bw[b]);
      }
      if (sum == 0) {
        ++zeros;
        CHECK(dens[b][i] == 0.0);
        continue;
      }
      const double r = rel_or_abs(dens[b][i], sum, 0.0);
      worst = std::max(worst, r);
      INFO("h " << bw[b] << ", cell (" << cells.x[i] << ", " << cells.y[i] << "): rtm " << dens[b][i]
                << ", brute force " << sum);
      CHECK(r <= 1e-9);
    }
    if (b == 0) CHECK(zeros > 0);  // the smallest bandwidth leaves cells without neighbours
  }
  report("density, points: max rel diff vs brute force " + fmt(worst) + " (h = 75, 150, 400, 1000 m)");
}

TEST_CASE("density_fields for lines equals the documented sampling and the exact line integral", "[reference][ops]") {
  const rtm::GridSpec g = grid();
  Rng rng(22);
  const std::vector<Ring> lines = random_polylines(g, 25, rng);
  const rtm::FeatureSet fs = line_features(lines);
  const rtm::StudyCells cells = random_cells(g, 400, rng);
  const std::vector<double> bw = {100.0, 200.0, 500.0, 1000.0};
  const auto dens = rtm::ops::density_fields(fs, cells, bw, g.cell_size_m);
  REQUIRE(dens.size() == bw.size());
  std::vector<double> sx, sy, sw;
  for (const auto& l : lines) sample_polyline(l, g.cell_size_m / 4.0, sx, sy, sw);
  double worst_sampled = 0, worst_exact = 0;
  for (std::size_t b = 0; b < bw.size(); ++b) {
    std::vector<double> exact(cells.size(), 0.0);
    double peak = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      for (const auto& l : lines) exact[i] += exact_line_density(cells.x[i], cells.y[i], l, bw[b]);
      peak = std::max(peak, exact[i]);
    }
    REQUIRE(peak > 0);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      double sum = 0;
      for (std::size_t k = 0; k < sx.size(); ++k) {
        const double dx = sx[k] - cells.x[i], dy = sy[k] - cells.y[i];
        sum += sw[k] * quartic(dx * dx + dy * dy, bw[b]);
      }
      const double r = rel_or_abs(dens[b][i], sum, 1e-12 * peak);
      worst_sampled = std::max(worst_sampled, r);
      INFO("h " << bw[b] << ", cell (" << cells.x[i] << ", " << cells.y[i] << "): rtm " << dens[b][i]
                << ", sampled brute force " << sum << ", exact integral " << exact[i]);
      CHECK(r <= 1e-9);
      // The sampling (a midpoint rule with cell/4 pieces) against the exact
      // integral, relative to the field's peak.
      const double e = std::fabs(dens[b][i] - exact[i]) / peak;
      worst_exact = std::max(worst_exact, e);
      CHECK(e <= 5e-3);
    }
  }
  report("density, lines: max rel diff vs the same sampling done here " + fmt(worst_sampled) +
         "; vs the exact line integral " + fmt(worst_exact) + " of the peak (h = 100, 200, 500, 1000 m)");
}

// ------------------------------------------------------------ dichotomizing --

TEST_CASE("dichotomize_mean_2sd marks exactly the cells above mean + 2 population SD", "[reference][ops]") {
  SECTION("a value exactly at the threshold is not marked") {
    // mean 1, population SD 2: threshold 5 exactly.
    double thr = 0;
    const rtm::Bitset b = rtm::ops::dichotomize_mean_2sd({0, 0, 0, 0, 5}, &thr);
    CHECK(thr == 5.0);
    CHECK(b.count() == 0);
  }
  SECTION("population, not sample, SD") {
    // 1..9 and 12.5: mean + 2 SD is 12.40 with the population SD, 12.76 with the sample SD.
    double thr = 0;
    const rtm::Bitset b = rtm::ops::dichotomize_mean_2sd({1, 2, 3, 4, 5, 6, 7, 8, 9, 12.5}, &thr);
    CHECK(thr == Approx(12.402067347825035).epsilon(1e-14));
    CHECK(b.count() == 1);
    CHECK(b.test(9));
  }
  SECTION("constant values mark nothing") {
    const rtm::Bitset b = rtm::ops::dichotomize_mean_2sd(std::vector<double>(100, 3.25), nullptr);
    CHECK(b.size() == 100);
    CHECK(b.count() == 0);
  }
  SECTION("a density field and a skewed random field against a direct count") {
    const rtm::GridSpec g = grid();
    Rng rng(31);
    const rtm::FeatureSet pts = random_points(g, 300, rng);
    const rtm::StudyCells cells = all_cells(g);
    std::vector<std::vector<double>> fields = rtm::ops::density_fields(pts, cells, {150.0, 400.0}, g.cell_size_m);
    std::vector<double> skewed(5000);
    for (double& v : skewed) v = std::exp(3.0 * rng.uniform()) * (rng.uniform() < 0.3 ? 0.0 : 1.0);
    fields.push_back(skewed);
    for (const auto& values : fields) {
      long double mean = 0;
      for (double v : values) mean += v;
      mean /= static_cast<long double>(values.size());
      long double ss = 0;
      for (double v : values) ss += (v - mean) * (v - mean);
      const long double ref = mean + 2 * std::sqrt(ss / static_cast<long double>(values.size()));
      double thr = 0;
      const rtm::Bitset b = rtm::ops::dichotomize_mean_2sd(values, &thr);
      CHECK(std::fabs(thr - static_cast<double>(ref)) <= 1e-12 * static_cast<double>(ref));
      std::size_t expected = 0;
      for (std::size_t i = 0; i < values.size(); ++i) {
        // No value sits within rounding of the threshold in these data.
        REQUIRE(std::fabs(values[i] - static_cast<double>(ref)) > 1e-9 * static_cast<double>(ref));
        const bool above = values[i] > static_cast<double>(ref);
        expected += above ? 1 : 0;
        INFO("value " << i << " = " << values[i] << ", threshold " << static_cast<double>(ref));
        CHECK(b.test(i) == above);
      }
      CHECK(expected > 0);
      CHECK(b.count() == expected);
    }
  }
}
