#pragma once
// Writes GeoPackages: typed tables with or without geometry. Atomic: the file
// appears only when complete.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "io/crs.hpp"
#include "io/geometry.hpp"

namespace rtm::io {

struct GpkgField {
  enum class Type { integer, real, text };
  std::string name;
  Type type = Type::text;
};
using GpkgValue = std::variant<std::monostate, std::int64_t, double, std::string>;  // monostate: NULL
struct GpkgRow {
  Wkb geometry;  // empty: no geometry
  std::vector<GpkgValue> values;  // one per field
};
struct GpkgLayer {
  std::string name;
  bool spatial = true;  // false: an attribute-only table
  std::vector<GpkgField> fields;
  std::vector<GpkgRow> rows;
  // An R-tree on the geometries (GeoPackage's spatial index). Tables that are
  // read whole rather than by area (lists of features per place) skip it: on
  // 65,000 points it took longer than writing the rows.
  bool spatial_index = true;
};

void write_gpkg(const std::string& path, const Crs& crs, const std::vector<GpkgLayer>& layers);

// WKB of a point (for rows of point features).
Wkb point_wkb(double x, double y);

}  // namespace rtm::io

namespace rtm::io {

// Reads every table of a GeoPackage written by write_gpkg back (field types
// as written; geometry as WKB). Throws DataError naming the file.
std::vector<GpkgLayer> read_gpkg(const std::string& path);

// The same tables in a PostgreSQL/PostGIS database (GDAL's PostgreSQL driver;
// `conn` is "PG:dbname=... host=...", `password` is added when connecting and
// never shown). Replaces the tables named in `layers` (dropped and re-created,
// geometry as PostGIS `geometry` in the CRS) in one transaction: a failed or
// killed write leaves the previous tables as they were. Throws OutputError
// naming the connection with its password redacted.
void write_pg_tables(const std::string& conn, const std::string& password, const Crs& crs,
                     const std::vector<GpkgLayer>& layers);
// Reads those of the tables `names` that exist (as read_gpkg). Throws DataError.
std::vector<GpkgLayer> read_pg_tables(const std::string& conn, const std::string& password,
                                      const std::vector<std::string>& names);

}  // namespace rtm::io
