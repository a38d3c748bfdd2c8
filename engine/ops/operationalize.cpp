#include "ops/operationalize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "io/geometry.hpp"
#include "ops/point_index.hpp"
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
  std::vector<std::vector<double>> out(bandwidths_m.size(), std::vector<double>(cells.size(), 0.0));
  if (p.x.empty() || bandwidths_m.empty()) return out;
  double hmax = 0;
  for (double h : bandwidths_m) hmax = std::max(hmax, h);
  PointIndex index(p.x, p.y, hmax);
  std::vector<double> inv_h2(bandwidths_m.size()), norm(bandwidths_m.size());
  for (std::size_t b = 0; b < bandwidths_m.size(); ++b) {
    inv_h2[b] = 1.0 / (bandwidths_m[b] * bandwidths_m[b]);
    norm[b] = 3.0 / kPi * inv_h2[b];
  }
  for (std::size_t c = 0; c < cells.size(); ++c) {
    index.within(cells.x[c], cells.y[c], hmax, [&](std::uint32_t i, double d2) {
      for (std::size_t b = 0; b < bandwidths_m.size(); ++b) {
        const double u = d2 * inv_h2[b];
        if (u < 1.0) {
          const double t = 1.0 - u;
          out[b][c] += p.w[i] * norm[b] * t * t;
        }
      }
    });
  }
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
