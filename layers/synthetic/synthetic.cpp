#include "synthetic/synthetic.hpp"

#include <cmath>
#include <random>

#include "core/error.hpp"

namespace rtm::layers {

namespace {
constexpr double kPi = 3.14159265358979323846;

// Uniform in [0, 1) from 53 random bits: identical on every platform, unlike
// std::uniform_real_distribution.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double normal(std::mt19937_64& rng) {  // Box-Muller
  const double u1 = 1.0 - unit(rng), u2 = unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}
}  // namespace

FeatureSet Synthetic::read(const LayerSource& src, const ReadContext& ctx) const {
  const SyntheticSpec& s = src.synthetic;
  if (ctx.study_area == nullptr) throw ConfigError(src.where + ": a synthetic layer cannot be the study area");
  if (s.count < 0 || s.count > 10'000'000)
    throw ConfigError(src.where + ".synthetic.count: expected 0 to 10,000,000 features, found " +
                      std::to_string(s.count));
  if (s.pattern != "uniform" && s.pattern != "clustered")
    throw ConfigError(src.where + ".synthetic.pattern: expected \"uniform\" or \"clustered\", found \"" +
                      s.pattern + "\"");
  GeomKind kind;
  if (s.geometry == "point") kind = GeomKind::point;
  else if (s.geometry == "line") kind = GeomKind::line;
  else if (s.geometry == "polygon") kind = GeomKind::polygon;
  else
    throw ConfigError(src.where + ".synthetic.geometry: expected \"point\", \"line\" or \"polygon\", found \"" +
                      s.geometry + "\"");
  if (s.pattern == "clustered" && s.clusters < 1)
    throw ConfigError(src.where + ".synthetic.clusters: expected at least 1");
  if (!(s.spread_m > 0)) throw ConfigError(src.where + ".synthetic.spread_m: expected a positive distance");

  const io::Area& area = *ctx.study_area;
  const io::Box box = area.bounds();
  std::mt19937_64 rng(s.seed);
  auto uniform_point = [&](double& x, double& y) {
    for (int tries = 0; tries < 100000; ++tries) {
      x = box.min_x + unit(rng) * (box.max_x - box.min_x);
      y = box.min_y + unit(rng) * (box.max_y - box.min_y);
      if (area.covers(x, y)) return;
    }
    throw DataError(src.where + ": cannot place synthetic features in the study area");
  };
  std::vector<std::pair<double, double>> centres;
  if (s.pattern == "clustered") {
    for (std::int64_t c = 0; c < s.clusters; ++c) {
      double x, y;
      uniform_point(x, y);
      centres.emplace_back(x, y);
    }
  }

  FeatureSet fs;
  fs.source = "synthetic(seed=" + std::to_string(s.seed) + ")";
  fs.source_crs = ctx.target.name;
  fs.driver = "synthetic";
  fs.kind = kind;
  fs.fields = {"synthetic_id"};
  for (std::int64_t i = 0; i < s.count; ++i) {
    double x, y;
    if (s.pattern == "uniform") {
      uniform_point(x, y);
    } else {
      const auto& c = centres[static_cast<std::size_t>(rng() % centres.size())];
      int tries = 0;
      do {
        x = c.first + normal(rng) * s.spread_m;
        y = c.second + normal(rng) * s.spread_m;
      } while (!area.covers(x, y) && ++tries < 1000);
      if (tries >= 1000) uniform_point(x, y);
    }
    Feature f;
    f.source_fid = i;
    f.attributes = {std::to_string(i)};
    if (kind == GeomKind::point) {
      f.x = x;
      f.y = y;
    } else if (kind == GeomKind::line) {
      const double a = unit(rng) * kPi, h = s.spread_m / 2.0;
      f.wkb = io::linestring_wkb({x - h * std::cos(a), y - h * std::sin(a), x + h * std::cos(a), y + h * std::sin(a)});
      f.x = x;
      f.y = y;
    } else {
      const double h = s.spread_m / 2.0;
      f.wkb = io::polygon_wkb({x - h, y - h, x + h, y - h, x + h, y + h, x - h, y + h});
      f.x = x;
      f.y = y;
    }
    fs.features.push_back(std::move(f));
  }
  fs.read = s.count;
  return fs;
}

}  // namespace rtm::layers
