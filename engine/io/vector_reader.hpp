#pragma once
// Reads any OGR vector source into a FeatureSet projected to the study CRS.
#include <optional>
#include <string>
#include <vector>

#include "core/feature_set.hpp"
#include "io/crs.hpp"
#include "io/geometry.hpp"

namespace rtm::io {

struct VectorSource {
  std::string path;                          // file path or GDAL connection string
  std::vector<std::string> open_options;     // GDAL open options (CSV: X_POSSIBLE_NAMES=...)
  std::vector<std::string> allowed_drivers;  // empty: any vector driver
  std::string layer;                         // empty: the first layer
  std::string attribute_filter;              // OGR SQL WHERE clause
  std::string sql;                           // a query (the source's SQL dialect) instead of a layer
  std::string password_env;                  // environment variable holding the database password
  std::string crs_override;                  // source CRS when the data has none or a wrong one
  std::string where;                         // how messages name this source ("incidents")
  std::string date_field;                    // empty: no dates
  std::string date_format = "iso";
  std::vector<std::string> required_fields;  // e.g. the CSV coordinate columns
  bool csv_rows = false;
  std::string clip_reason = "outside the study area";  // drop reason for features outside the clip                     // name features by file line (CSV) rather than FID
};

// Database sources (io::is_database_source) have no file to hash: the
// FeatureSet's rows_sha256 then identifies the rows read (see read_vector.cpp).
// Clip: features outside `clip` (points) or not intersecting it (lines,
// polygons) are dropped as "outside the study area". nullptr: keep all.
FeatureSet read_vector(const VectorSource& src, const Crs& target, const Area* clip);

}  // namespace rtm::io
