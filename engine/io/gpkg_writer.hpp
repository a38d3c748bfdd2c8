#pragma once
#include <string>
#include <vector>

#include "core/feature_set.hpp"
#include "io/crs.hpp"
#include "io/geometry.hpp"

namespace rtm::io {

struct GpkgTable {
  std::string name;
  const FeatureSet* features = nullptr;
};

// Writes a GeoPackage with one table per FeatureSet (geometry, source_fid,
// time when present, and the source attributes as text) plus a `study_area`
// table. Atomic: the file appears only when complete.
void write_gpkg(const std::string& path, const Crs& crs, const std::vector<GpkgTable>& tables, const Area& area);

}  // namespace rtm::io
