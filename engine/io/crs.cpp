#include "io/crs.hpp"

#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/error.hpp"
#include "io/gdal_env.hpp"

namespace rtm::io {

namespace {
Crs describe(OGRSpatialReference& srs) {
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  Crs c;
  char* wkt = nullptr;
  const char* opts[] = {"FORMAT=WKT2_2018", nullptr};
  srs.exportToWkt(&wkt, opts);
  c.wkt = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  const char* auth = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (auth != nullptr && code != nullptr) {
    c.name = std::string(auth) + ":" + code;
  } else {
    const char* n = srs.GetName();
    c.name = n != nullptr ? n : "unnamed CRS";
  }
  c.geographic = srs.IsGeographic() != 0;
  c.projected = srs.IsProjected() != 0;
  if (c.projected) c.linear_unit_m = srs.GetLinearUnits(nullptr);
  return c;
}
}  // namespace

Crs resolve_crs(const std::string& text, const std::string& where) {
  ensure_gdal();
  OGRSpatialReference srs;
  if (text.empty() || srs.SetFromUserInput(text.c_str()) != OGRERR_NONE) {
    throw ConfigError(where + ": '" + text +
                      "' is not a coordinate reference system (expected e.g. \"EPSG:26971\" or WKT)");
  }
  take_gdal_message();
  return describe(srs);
}

Crs utm_crs_for(double lon, double lat) {
  const int zone = std::clamp(static_cast<int>(std::floor((lon + 180.0) / 6.0)) + 1, 1, 60);
  const int epsg = (lat >= 0 ? 32600 : 32700) + zone;
  OGRSpatialReference srs;
  srs.importFromEPSG(epsg);
  return describe(srs);
}

void transform_points(const Crs& from, const Crs& to, std::vector<double>& xs, std::vector<double>& ys) {
  ensure_gdal();
  OGRSpatialReference a, b;
  a.importFromWkt(from.wkt.c_str());
  b.importFromWkt(to.wkt.c_str());
  a.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  b.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&a, &b));
  if (!ct) throw DataError("cannot transform from " + from.name + " to " + to.name + ": " + take_gdal_message());
  std::vector<int> ok(xs.size(), 0);
  ct->Transform(static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr, ok.data());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!ok[i]) xs[i] = ys[i] = std::numeric_limits<double>::quiet_NaN();
  }
}

}  // namespace rtm::io
