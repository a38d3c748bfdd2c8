#pragma once
#include <string>
#include <vector>

namespace rtm::io {

struct Crs {
  std::string wkt;   // WKT2
  std::string name;  // "EPSG:26971" when it has an authority code, else the CRS name
  bool geographic = false;
  bool projected = false;
  double linear_unit_m = 1.0;  // metres per unit of a projected CRS
};

// Resolves what a user writes ("EPSG:26971", "ESRI:102271", WKT, PROJ string).
// Throws ConfigError naming `where` when it is not a CRS.
Crs resolve_crs(const std::string& text, const std::string& where);

// The UTM zone (WGS 84) of a longitude/latitude, e.g. EPSG:32616 for Chicago.
Crs utm_crs_for(double lon, double lat);

// Transforms points in place (traditional GIS order: x = easting or longitude).
// Points that cannot be transformed become NaN.
void transform_points(const Crs& from, const Crs& to, std::vector<double>& xs, std::vector<double>& ys);

}  // namespace rtm::io
