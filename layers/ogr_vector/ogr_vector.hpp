#pragma once
#include "layer_kind.hpp"

namespace rtm::layers {

// Any OGR vector source: GeoJSON, Shapefile, GeoPackage, FlatGeobuf, PostGIS
// ("PG:..." connection strings), points, lines or polygons.
class OgrVector final : public LayerKind {
 public:
  const char* name() const override { return "vector"; }
  FeatureSet read(const LayerSource& src, const ReadContext& ctx) const override;
};

}  // namespace rtm::layers
