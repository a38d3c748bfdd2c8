// The synthetic layer kind: reproducible from its seed, always inside the area.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/crs.hpp"
#include "io/geometry.hpp"
#include "layers/layer_kind.hpp"

namespace {

// An L-shaped area (so the bounding box is not the area): the 1000 m square
// at (350000, 570000) minus its north-east quarter.
rtm::io::Area l_shape() {
  const double w = 350000.0, s = 570000.0;
  return rtm::io::Area::from_parts({rtm::io::polygon_wkb({w, s, w + 1000, s, w + 1000, s + 500, w + 500, s + 500,
                                                          w + 500, s + 1000, w, s + 1000})},
                                   "test area");
}

rtm::FeatureSet generate(const rtm::io::Crs& crs, const rtm::io::Area& area, const rtm::layers::SyntheticSpec& spec) {
  rtm::layers::LayerSource src;
  src.where = "layers[0] (synthetic)";
  src.kind = "synthetic";
  src.synthetic = spec;
  const rtm::layers::ReadContext ctx{crs, nullptr, &area, "outside the study area"};
  return rtm::layers::layer_kind("synthetic", src.where).read(src, ctx);
}

bool same_features(const rtm::FeatureSet& a, const rtm::FeatureSet& b) {
  if (a.features.size() != b.features.size()) return false;
  for (std::size_t i = 0; i < a.features.size(); ++i) {
    const auto& fa = a.features[i];
    const auto& fb = b.features[i];
    if (fa.x != fb.x || fa.y != fb.y || fa.wkb != fb.wkb || fa.attributes != fb.attributes) return false;
  }
  return true;
}

struct SpecCase {
  const char* what;
  std::string geometry, pattern;
  rtm::GeomKind kind;
};

}  // namespace

TEST_CASE("synthetic layer: same seed same features, other seed other features, all inside", "[synthetic]") {
  const rtm::io::Crs crs = rtm::io::resolve_crs("EPSG:26971", "test");
  const rtm::io::Area area = l_shape();
  REQUIRE(area.area() == Approx(750000.0));

  const std::vector<SpecCase> cases = {
      {"uniform points", "point", "uniform", rtm::GeomKind::point},
      {"clustered points", "point", "clustered", rtm::GeomKind::point},
      {"uniform lines", "line", "uniform", rtm::GeomKind::line},
      {"clustered polygons", "polygon", "clustered", rtm::GeomKind::polygon},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    rtm::layers::SyntheticSpec spec;
    spec.geometry = c.geometry;
    spec.pattern = c.pattern;
    spec.count = 300;
    spec.seed = 42;
    spec.clusters = 3;
    spec.spread_m = 80.0;

    const rtm::FeatureSet a = generate(crs, area, spec);
    const rtm::FeatureSet again = generate(crs, area, spec);
    spec.seed = 43;
    const rtm::FeatureSet other = generate(crs, area, spec);

    CHECK(a.kind == c.kind);
    CHECK(a.read == 300);
    REQUIRE(a.features.size() == 300);
    CHECK(a.fields == std::vector<std::string>{"synthetic_id"});
    CHECK(a.driver == "synthetic");
    CHECK(same_features(a, again));
    CHECK_FALSE(same_features(a, other));
    std::size_t equal_positions = 0;
    for (std::size_t i = 0; i < a.features.size(); ++i) {
      if (a.features[i].x == other.features[i].x && a.features[i].y == other.features[i].y) ++equal_positions;
    }
    CHECK(equal_positions == 0);

    for (std::size_t i = 0; i < a.features.size(); ++i) {
      const auto& f = a.features[i];
      INFO("feature " << i << " at (" << std::to_string(f.x) << ", " << std::to_string(f.y) << ")");
      CHECK(area.covers(f.x, f.y));
      CHECK(f.source_fid == static_cast<std::int64_t>(i));
      CHECK(f.attributes == std::vector<std::string>{std::to_string(i)});
      CHECK_FALSE(f.time_s.has_value());
      if (c.kind == rtm::GeomKind::point) {
        CHECK(f.wkb.empty());
      } else {
        CHECK_FALSE(f.wkb.empty());
        CHECK_FALSE(rtm::io::invalid_reason(f.wkb).has_value());
      }
    }
    // Uniform points spread over the whole L, including its two arms.
    if (c.pattern == "uniform") {
      std::size_t east_arm = 0, north_arm = 0;
      for (const auto& f : a.features) {
        if (f.x > 350500.0) ++east_arm;
        if (f.y > 570500.0) ++north_arm;
      }
      CHECK(east_arm > 50);
      CHECK(north_arm > 50);
    }
  }
}

TEST_CASE("synthetic layer: bad settings and misuse", "[synthetic]") {
  const rtm::io::Crs crs = rtm::io::resolve_crs("EPSG:26971", "test");
  const rtm::io::Area area = l_shape();
  rtm::layers::SyntheticSpec spec;
  spec.count = -1;
  CHECK_THROWS_AS(generate(crs, area, spec), rtm::ConfigError);
  spec.count = 10;
  spec.pattern = "gridded";
  CHECK_THROWS_AS(generate(crs, area, spec), rtm::ConfigError);
  spec.pattern = "clustered";
  spec.clusters = 0;
  CHECK_THROWS_AS(generate(crs, area, spec), rtm::ConfigError);
  spec.clusters = 2;
  spec.geometry = "raster";
  CHECK_THROWS_AS(generate(crs, area, spec), rtm::ConfigError);
  spec.geometry = "point";
  spec.spread_m = 0.0;
  CHECK_THROWS_AS(generate(crs, area, spec), rtm::ConfigError);
  spec.spread_m = 10.0;
  CHECK(generate(crs, area, spec).features.size() == 10);
  spec.count = 0;
  CHECK(generate(crs, area, spec).features.empty());

  // Not usable as the study area.
  rtm::layers::LayerSource src;
  src.where = "study.area";
  src.kind = "synthetic";
  const rtm::layers::ReadContext ctx{crs, nullptr, nullptr, "outside"};
  CHECK_THROWS_AS(rtm::layers::layer_kind("synthetic", "x").read(src, ctx), rtm::ConfigError);
  CHECK_THROWS_AS(rtm::layers::layer_kind("nope", "layers[3]"), rtm::ConfigError);
}
