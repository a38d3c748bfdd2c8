#include "csv_points/csv_points.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "io/vector_reader.hpp"

namespace rtm::layers {

FeatureSet CsvPoints::read(const LayerSource& src, const ReadContext& ctx) const {
  if (src.x.empty() || src.y.empty())
    throw ConfigError(src.where + ": a csv source needs the coordinate columns: x = \"...\" and y = \"...\"");
  if (src.crs.empty())
    throw ConfigError(src.where + ".crs: a csv source carries no CRS; say which its coordinates use, e.g. crs = "
                                  "\"EPSG:4326\" for longitude/latitude");
  io::VectorSource v;
  const bool gz = src.path.size() > 3 && src.path.compare(src.path.size() - 3, 3, ".gz") == 0;
  v.path = gz && src.path.rfind("/vsi", 0) != 0 ? "/vsigzip/" + src.path : src.path;
  v.allowed_drivers = {"CSV"};
  v.open_options = {"X_POSSIBLE_NAMES=" + src.x, "Y_POSSIBLE_NAMES=" + src.y, "KEEP_GEOM_COLUMNS=YES",
                    "AUTODETECT_TYPE=NO", "HEADERS=YES"};
  v.required_fields = {src.x, src.y};
  v.attribute_filter = src.filter;
  v.crs_override = src.crs;
  v.where = src.where;
  v.clip_reason = ctx.clip_reason;
  v.date_field = src.date_column;
  v.date_format = src.date_format;
  v.csv_rows = true;
  if (gz && !std::filesystem::exists(src.path))  // read_vector cannot check a /vsigzip/ path
    throw DataError(src.where + ": file not found: " + src.path);
  return io::read_vector(v, ctx.target, ctx.clip);
}

}  // namespace rtm::layers
