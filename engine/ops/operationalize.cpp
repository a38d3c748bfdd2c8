#include "ops/operationalize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <stdexcept>

#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "io/geometry.hpp"
#include "core/point_index.hpp"
#include "ops/proximity.hpp"

namespace rtm::ops {

namespace {
constexpr double kPi = 3.14159265358979323846;

struct Weighted {
  std::vector<double> x, y, w;
};

Weighted kernel_points(const FeatureSet& fs, double cell_size_m) {
  Weighted p;
  for (const Feature& f : fs.features) {
    if (fs.kind == GeomKind::line && !f.wkb.empty()) {
      io::sample_line(f.wkb, cell_size_m / 4.0, p.x, p.y, p.w);
    } else {
      p.x.push_back(f.x);
      p.y.push_back(f.y);
      p.w.push_back(1.0);
    }
  }
  return p;
}
}  // namespace

std::vector<double> distance_field(const FeatureSet& fs, const StudyCells& cells, double cell_size_m, double max_m) {
  if (fs.kind == GeomKind::point) {
    std::vector<double> x, y;
    for (const Feature& f : fs.features) {
      x.push_back(f.x);
      y.push_back(f.y);
    }
    if (cell_size_m > 0 && std::isfinite(max_m)) return nearest_point_distances(x, y, cells, cell_size_m, max_m);
    PointIndex index(x, y, 200.0);
    std::vector<double> d(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) d[i] = index.nearest_distance(cells.x[i], cells.y[i]);
    return d;
  }
  std::vector<io::Wkb> geoms;
  for (const Feature& f : fs.features) geoms.push_back(f.wkb);
  std::vector<double> d = io::nearest_distances(geoms, cells.x, cells.y);
  for (double& v : d)
    if (v > max_m) v = std::numeric_limits<double>::infinity();
  return d;
}

std::vector<std::vector<double>> density_fields(const FeatureSet& fs, const StudyCells& cells,
                                                const std::vector<double>& bandwidths_m, double cell_size_m) {
  const Weighted p = kernel_points(fs, cell_size_m);
  const std::size_t nb = bandwidths_m.size();
  std::vector<std::vector<double>> out(nb, std::vector<double>(cells.size(), 0.0));
  if (p.x.empty() || nb == 0 || cells.size() == 0) return out;
  double hmax = 0;
  for (double h : bandwidths_m) hmax = std::max(hmax, h);
  std::vector<double> h2(nb), inv_h2(nb), norm(nb);
  for (std::size_t b = 0; b < nb; ++b) {
    h2[b] = bandwidths_m[b] * bandwidths_m[b];
    inv_h2[b] = 1.0 / h2[b];
    norm[b] = 3.0 / kPi * inv_h2[b];
  }

  // Cells row by row, and each row's cells by column on the cell grid.
  const CellRows cr = cell_rows(cells);
  const std::vector<std::uint32_t>& order = cr.order;
  const std::vector<std::size_t>& row_start = cr.row_start;

  // Points by y, descending like the rows.
  std::vector<std::uint32_t> by_y(p.x.size());
  for (std::size_t i = 0; i < by_y.size(); ++i) by_y[i] = static_cast<std::uint32_t>(i);
  std::sort(by_y.begin(), by_y.end(), [&](std::uint32_t a, std::uint32_t b) { return p.y[a] != p.y[b] ? p.y[a] > p.y[b] : a < b; });
  std::vector<double> sorted_y(by_y.size());
  for (std::size_t k = 0; k < by_y.size(); ++k) sorted_y[k] = p.y[by_y[k]];

  // Each row: every point within hmax of it adds its kernel to the columns of
  // the row within each bandwidth (d^2 = dx^2 + dy^2 from the cell centre, as
  // a brute-force sum), in the points' fixed order. Rows are independent.
  const std::size_t rows = cr.rows();
  parallel_for((rows + 15) / 16, [&](std::size_t chunk) {
    std::vector<double> xcol;
    std::vector<std::vector<double>> acc(nb);
    for (std::size_t r = chunk * 16; r < std::min(rows, chunk * 16 + 16); ++r) {
      const std::size_t k0 = row_start[r], k1 = row_start[r + 1];
      const double y = cells.y[order[k0]], x0 = cells.x[order[k0]];
      // The row's columns from its first cell; x of each column from its cell.
      const auto width = static_cast<std::size_t>(std::llround((cells.x[order[k1 - 1]] - x0) / cell_size_m)) + 1;
      xcol.resize(width);
      for (std::size_t c = 0; c < width; ++c) xcol[c] = x0 + static_cast<double>(c) * cell_size_m;  // no cell: never read
      std::vector<std::size_t> col(k1 - k0);
      for (std::size_t k = k0; k < k1; ++k) {
        const double x = cells.x[order[k]];
        col[k - k0] = static_cast<std::size_t>(std::llround((x - x0) / cell_size_m));
        if (std::fabs(xcol[col[k - k0]] - x) > 1e-6 * cell_size_m)
          throw std::invalid_argument("density_fields: the cells are not centres of a grid of " +
                                      std::to_string(cell_size_m) + " m cells");
        xcol[col[k - k0]] = x;
      }
      for (auto& a : acc) a.assign(width, 0.0);
      const auto lo = std::lower_bound(sorted_y.begin(), sorted_y.end(), y + hmax, std::greater<double>()) - sorted_y.begin();
      const auto hi = std::upper_bound(sorted_y.begin(), sorted_y.end(), y - hmax, std::greater<double>()) - sorted_y.begin();
      const double x_last = xcol[width - 1];
      for (auto k = lo; k < hi; ++k) {
        const std::uint32_t i = by_y[static_cast<std::size_t>(k)];
        const double dy = p.y[i] - y, dy2 = dy * dy;
        const double px = p.x[i];
        for (std::size_t b = 0; b < nb; ++b) {
          if (!(dy2 < h2[b])) continue;
          const double half = std::sqrt(h2[b] - dy2);
          if (px + half < x0 - cell_size_m || px - half > x_last + cell_size_m) continue;
          // Columns that may be within the bandwidth (one more each side for rounding).
          const double first = std::floor((px - half - x0) / cell_size_m) - 1.0;
          const double last = std::ceil((px + half - x0) / cell_size_m) + 1.0;
          const std::size_t c0 = first < 0 ? 0 : static_cast<std::size_t>(first);
          const std::size_t c1 = last >= static_cast<double>(width - 1) ? width - 1 : static_cast<std::size_t>(last);
          double* a = acc[b].data();
          const double wn = p.w[i] * norm[b], ih = inv_h2[b];
          for (std::size_t c = c0; c <= c1; ++c) {
            const double dx = px - xcol[c];
            const double u = (dx * dx + dy2) * ih;
            if (u < 1.0) {
              const double t = 1.0 - u;
              a[c] += wn * t * t;
            }
          }
        }
      }
      for (std::size_t k = k0; k < k1; ++k)
        for (std::size_t b = 0; b < nb; ++b) out[b][order[k]] = acc[b][col[k - k0]];
    }
  });
  return out;
}

Bitset dichotomize_mean_2sd(const std::vector<double>& values, double* threshold) {
  const double n = static_cast<double>(values.size());
  double mean = 0;
  for (double v : values) mean += v;
  mean /= n;
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / n);
  const double thr = mean + 2.0 * sd;
  if (threshold != nullptr) *threshold = thr;
  Bitset b(values.size());
  if (sd > 0)
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] > thr) b.set(i);
  return b;
}

std::string candidate_name(const std::string& factor, const std::string& op, double distance_m) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", distance_m);
  return factor + "." + op + "." + buf + "m";
}

std::vector<Candidate> operationalize(const std::vector<FactorInput>& factors, const StudyCells& cells,
                                      double cell_size_m) {
  // Factors are independent: build them on all cores, then concatenate in order.
  std::vector<std::vector<Candidate>> per(factors.size());
  Progress progress("operationalizing factors", static_cast<std::int64_t>(factors.size()));
  parallel_for(factors.size(), [&](std::size_t k) {
    const FactorInput& f = factors[k];
    auto& out = per[k];
    if (f.method == "proximity" || f.method == "both") {
      const double widest = f.distances_m.empty() ? 0.0 : *std::max_element(f.distances_m.begin(), f.distances_m.end());
      const std::vector<double> d = distance_field(*f.features, cells, cell_size_m, widest);
      for (double dist : f.distances_m) {
        Candidate c{f.name, "proximity", dist, candidate_name(f.name, "proximity", dist), Bitset(cells.size()), 0,
                    dist};
        for (std::size_t i = 0; i < d.size(); ++i)
          if (d[i] <= dist) c.bits.set(i);
        c.ones = c.bits.count();
        out.push_back(std::move(c));
      }
    }
    if (f.method == "density" || f.method == "both") {
      const auto dens = density_fields(*f.features, cells, f.distances_m, cell_size_m);
      for (std::size_t b = 0; b < f.distances_m.size(); ++b) {
        Candidate c{f.name, "density", f.distances_m[b], candidate_name(f.name, "density", f.distances_m[b]),
                    Bitset(), 0, 0};
        c.bits = dichotomize_mean_2sd(dens[b], &c.threshold);
        c.ones = c.bits.count();
        out.push_back(std::move(c));
      }
    }
  });
  progress.advance(static_cast<std::int64_t>(factors.size()));
  std::vector<Candidate> all;
  for (auto& v : per)
    for (auto& c : v) all.push_back(std::move(c));
  return all;
}

}  // namespace rtm::ops
