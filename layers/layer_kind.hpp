#pragma once
// Environmental layer kinds: how a layer (or the incidents) is read, filtered
// and projected onto the study CRS. One folder per kind; registered explicitly
// in registry.cpp (no static self-registration).
#include <cstdint>
#include <string>
#include <vector>

#include "core/feature_set.hpp"
#include "io/crs.hpp"
#include "io/geometry.hpp"

namespace rtm::layers {

// Settings of the synthetic kind (tests, planted-truth studies).
struct SyntheticSpec {
  std::string geometry = "point";  // point | line | polygon
  std::int64_t count = 100;
  std::uint64_t seed = 1;
  std::string pattern = "uniform";  // uniform | clustered
  std::int64_t clusters = 5;
  double spread_m = 250.0;          // cluster SD; segment length or square side for lines and polygons
};

// Where a layer's features come from: what the study file says, resolved.
struct LayerSource {
  std::string where;        // how messages name it: "incidents", "layers[2] (liquor_retail)"
  std::string kind;         // vector | csv | synthetic
  std::string path;         // absolute path or GDAL connection string
  std::string layer;        // OGR layer name (optional)
  std::string filter;       // OGR SQL WHERE clause (optional)
  std::string sql;          // a query run on the source instead of reading a layer (optional)
  std::string password_env; // environment variable holding the database password (optional)
  std::string crs;          // source CRS (required for csv; overrides the source's own otherwise)
  std::string x, y;         // csv coordinate columns
  std::string date_column;  // optional
  std::string date_format = "iso";
  SyntheticSpec synthetic;
};

struct ReadContext {
  const io::Crs& target;        // the study CRS
  const io::Area* clip;         // features outside it are dropped (nullptr: keep all)
  const io::Area* study_area;   // where synthetic features are generated (nullptr for the area itself)
  std::string clip_reason = "outside the study area";  // how dropped features are counted
};

class LayerKind {
 public:
  virtual ~LayerKind() = default;
  virtual const char* name() const = 0;
  virtual FeatureSet read(const LayerSource& src, const ReadContext& ctx) const = 0;
};

// The kind named `name`; throws ConfigError (naming `where`) for an unknown kind.
const LayerKind& layer_kind(const std::string& name, const std::string& where);
std::vector<std::string> layer_kind_names();
// "csv" for .csv / .csv.gz / .tsv paths, else "vector".
std::string infer_kind(const std::string& path);

}  // namespace rtm::layers
