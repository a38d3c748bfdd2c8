#include "recommend/influence.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/parallel.hpp"
#include "io/geometry.hpp"
#include "core/point_index.hpp"

namespace rtm::recommend {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

FeatureFinder::FeatureFinder(const FactorTerm& term) : term_(term) {
  const FeatureSet& fs = *term.features;
  if (term.op == "proximity") {
    if (fs.kind == GeomKind::point) {
      std::vector<double> x, y;
      for (const auto& f : fs.features) {
        x.push_back(f.x);
        y.push_back(f.y);
      }
      points_ = std::make_unique<PointIndex>(x, y, std::max(term.distance_m, 1.0));
    } else {
      std::vector<io::Wkb> g;
      for (const auto& f : fs.features) g.push_back(f.wkb);
      geometries_ = std::make_unique<io::GeometryIndex>(g);
    }
  } else {
    for (std::size_t i = 0; i < fs.features.size(); ++i) {
      const Feature& f = fs.features[i];
      const std::size_t before = kx_.size();
      if (fs.kind == GeomKind::line && !f.wkb.empty()) {
        io::sample_line(f.wkb, term.cell_size_m / 4.0, kx_, ky_, kw_);
      } else {
        kx_.push_back(f.x);
        ky_.push_back(f.y);
        kw_.push_back(1.0);
      }
      owner_.insert(owner_.end(), kx_.size() - before, i);
    }
    kernel_points_ = std::make_unique<PointIndex>(kx_, ky_, term.distance_m);
  }
}
FeatureFinder::FeatureFinder(FeatureFinder&&) noexcept = default;
FeatureFinder::~FeatureFinder() = default;

std::vector<std::pair<std::size_t, double>> FeatureFinder::within(double x, double y, double radius) const {
  std::vector<std::pair<std::size_t, double>> out;
  if (points_) {
    // PointIndex::within is strict (<); widen by a hair and check <= exactly.
    points_->within(x, y, radius * (1 + 1e-12) + 1e-9, [&](std::uint32_t i, double d2) {
      const double d = std::sqrt(d2);
      if (d <= radius) out.emplace_back(i, d);
    });
    std::sort(out.begin(), out.end());
  } else if (geometries_) {
    out = geometries_->within(x, y, radius);
  }
  return out;
}

std::vector<std::pair<std::size_t, double>> FeatureFinder::kernel(double x, double y) const {
  std::map<std::size_t, double> sum;
  if (kernel_points_) {
    const double h = term_.distance_m, inv_h2 = 1.0 / (h * h), norm = 3.0 / kPi * inv_h2;
    kernel_points_->within(x, y, h, [&](std::uint32_t k, double d2) {
      const double t = 1.0 - d2 * inv_h2;
      if (t > 0) sum[owner_[k]] += kw_[k] * norm * t * t;
    });
  }
  return {sum.begin(), sum.end()};
}

std::vector<std::pair<std::size_t, double>> responsible_features(const FactorTerm& term, const FeatureFinder& finder,
                                                                 const StudyCells& cells,
                                                                 const std::vector<std::size_t>& place) {
  std::map<std::size_t, double> nearest;  // feature -> distance to the nearest place cell in the band
  for (std::size_t c : place) {
    if (!term.bits->test(c)) continue;
    if (term.op == "proximity") {
      for (const auto& [f, d] : finder.within(cells.x[c], cells.y[c], term.distance_m)) {
        auto it = nearest.find(f);
        if (it == nearest.end() || d < it->second) nearest[f] = d;
      }
    } else {
      for (const auto& [f, k] : finder.kernel(cells.x[c], cells.y[c])) {
        (void)k;
        const Feature& ft = term.features->features[f];
        const double d = std::hypot(ft.x - cells.x[c], ft.y - cells.y[c]);
        auto it = nearest.find(f);
        if (it == nearest.end() || d < it->second) nearest[f] = d;
      }
    }
  }
  std::vector<std::pair<std::size_t, double>> out(nearest.begin(), nearest.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  return out;
}

std::vector<FeatureLeverage> leverage(const FactorTerm& term, const FeatureFinder& finder, const StudyCells& cells,
                                      const std::vector<double>& expected) {
  return leverage(std::vector<const FactorTerm*>{&term}, std::vector<const FeatureFinder*>{&finder}, cells, expected);
}

std::vector<FeatureLeverage> leverage(const std::vector<const FactorTerm*>& terms,
                                      const std::vector<const FeatureFinder*>& finders, const StudyCells& cells,
                                      const std::vector<double>& expected) {
  std::vector<std::size_t> on;  // cells where any of the terms is 1
  {
    Bitset any(cells.size());
    for (const FactorTerm* t : terms) t->bits->for_each([&](std::size_t c) { any.set(c); });
    any.for_each([&](std::size_t c) { on.push_back(c); });
  }
  // Cells in fixed chunks on all threads; each chunk sums in cell order and
  // the chunks are added in order, so the sums do not depend on the threads.
  constexpr std::size_t kChunk = 2048;
  std::vector<std::map<std::size_t, FeatureLeverage>> part((on.size() + kChunk - 1) / kChunk);
  parallel_for(part.size(), [&](std::size_t q) {
    auto& by = part[q];
    for (std::size_t k = q * kChunk; k < std::min(on.size(), (q + 1) * kChunk); ++k) {
      const std::size_t c = on[k];
      std::map<std::size_t, double> rrv_product;  // feature -> product of the RRVs it alone switches on here
      for (std::size_t t = 0; t < terms.size(); ++t) {
        const FactorTerm& term = *terms[t];
        if (!term.bits->test(c)) continue;
        if (term.op == "proximity") {
          const auto near = finders[t]->within(cells.x[c], cells.y[c], term.distance_m);
          if (near.size() == 1) {
            auto it = rrv_product.emplace(near[0].first, 1.0).first;
            it->second *= term.rrv;
          }
        } else {
          const auto parts = finders[t]->kernel(cells.x[c], cells.y[c]);
          double total = 0;
          for (const auto& [f, v] : parts) total += v;
          for (const auto& [f, v] : parts)
            if (total - v <= term.threshold) {
              auto it = rrv_product.emplace(f, 1.0).first;
              it->second *= term.rrv;
            }
        }
      }
      for (const auto& [f, prod] : rrv_product) {
        auto& l = by[f];
        l.feature = f;
        l.leverage += expected[c] * (1.0 - 1.0 / prod);
        ++l.cells;
      }
    }
  });
  std::map<std::size_t, FeatureLeverage> by;
  for (const auto& p : part)
    for (const auto& [f, l] : p) {
      auto& total = by[f];
      total.feature = f;
      total.leverage += l.leverage;
      total.cells += l.cells;
    }
  std::vector<FeatureLeverage> out;
  for (auto& [f, l] : by) out.push_back(l);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.leverage != b.leverage ? a.leverage > b.leverage : a.feature < b.feature;
  });
  return out;
}

std::string feature_label(const FactorTerm& term, std::size_t feature) {
  const Feature& f = term.features->features[feature];
  if (term.label_field >= 0 && static_cast<std::size_t>(term.label_field) < f.attributes.size() &&
      !f.attributes[static_cast<std::size_t>(term.label_field)].empty())
    return f.attributes[static_cast<std::size_t>(term.label_field)];
  return "#" + std::to_string(f.source_fid);
}

}  // namespace rtm::recommend
