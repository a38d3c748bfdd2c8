#include "io/vector_reader.hpp"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/gdal_env.hpp"
#include "io/hash.hpp"
#include "io/redact.hpp"

namespace rtm::io {

namespace {

struct DatasetCloser {
  void operator()(GDALDataset* d) const { GDALClose(d); }
};

std::vector<const char*> cstrings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  for (const auto& s : v) out.push_back(s.c_str());
  out.push_back(nullptr);
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

bool is_connection_string(const std::string& p) {
  return p.rfind("PG:", 0) == 0 || p.rfind("/vsi", 0) == 0;
}

std::optional<GeomKind> kind_of(OGRwkbGeometryType t) {
  switch (wkbFlatten(t)) {
    case wkbPoint:
    case wkbMultiPoint: return GeomKind::point;
    case wkbLineString:
    case wkbMultiLineString: return GeomKind::line;
    case wkbPolygon:
    case wkbMultiPolygon: return GeomKind::polygon;
    default: return std::nullopt;
  }
}

// A query's result set, released through its dataset.
struct ResultSetReleaser {
  GDALDataset* ds = nullptr;
  void operator()(OGRLayer* l) const {
    if (l != nullptr) ds->ReleaseResultSet(l);
  }
};

// The password named by password_env, or "" (libpq then uses PGPASSWORD or ~/.pgpass).
std::string database_password(const VectorSource& src) {
  if (src.password_env.empty()) return "";
  const char* v = std::getenv(src.password_env.c_str());
  if (v == nullptr || *v == '\0')
    throw ConfigError(src.where + ".password_env: the environment variable " + src.password_env +
                      " is not set (it should hold the database password)");
  return v;
}

// One row as hashed for rows_sha256: FID, each field (null flag and text), geometry as ISO WKB.
std::string row_digest(OGRFeature& f, OGRFeatureDefn* defn) {
  std::string b = std::to_string(f.GetFID());
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    b += '\x1f';
    if (f.IsFieldSetAndNotNull(i)) b += std::string("v") + f.GetFieldAsString(i);
  }
  b += '\x1e';
  if (const OGRGeometry* g = f.GetGeometryRef(); g != nullptr) {
    std::vector<unsigned char> w(static_cast<std::size_t>(g->WkbSize()));
    g->exportToWkb(wkbNDR, w.data(), wkbVariantIso);
    b.append(w.begin(), w.end());
  }
  return sha256_bytes(b.data(), b.size());
}

Wkb export_wkb(const OGRGeometry& g) {
  Wkb w(static_cast<std::size_t>(g.WkbSize()));
  g.exportToWkb(wkbNDR, w.data(), wkbVariantIso);
  return w;
}

}  // namespace

FeatureSet read_vector(const VectorSource& src, const Crs& target, const Area* clip) {
  ensure_gdal();
  take_gdal_message();
  if (!is_connection_string(src.path) && !std::filesystem::exists(src.path))
    throw DataError(src.where + ": file not found: " + src.path);
  if (!is_connection_string(src.path) && ::access(src.path.c_str(), R_OK) != 0)
    throw DataError(src.where + ": cannot read " + src.path + ": " + std::strerror(errno));

  auto drivers = cstrings(src.allowed_drivers);
  auto options = cstrings(src.open_options);
  const std::string open_path = with_password(src.path, database_password(src));  // never shown
  std::unique_ptr<GDALDataset, DatasetCloser> ds(GDALDataset::FromHandle(
      GDALOpenEx(open_path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                 src.allowed_drivers.empty() ? nullptr : drivers.data(), options.data(), nullptr)));
  if (!ds) {
    std::string msg = take_gdal_message();
    throw DataError(src.where + ": cannot open '" + src.path + "' as vector data" +
                    (msg.empty() ? " (not a format GDAL reads, or not readable)" : ": " + msg));
  }
  OGRLayer* layer = nullptr;
  std::unique_ptr<OGRLayer, ResultSetReleaser> query(nullptr, ResultSetReleaser{ds.get()});
  if (!src.sql.empty()) {
    query.reset(ds->ExecuteSQL(src.sql.c_str(), nullptr, nullptr));
    if (!query) {
      const std::string msg = take_gdal_message();
      throw DataError(src.where + ".sql: the query failed on " + redact_source(src.path) +
                      (msg.empty() ? " (it returned no result set; expected a SELECT)" : ": " + redact_source(msg)));
    }
    layer = query.get();
  } else if (!src.layer.empty()) {
    layer = ds->GetLayerByName(src.layer.c_str());
    if (layer == nullptr) {
      std::vector<std::string> names;
      for (auto* l : ds->GetLayers()) names.push_back(l->GetName());
      throw DataError(src.where + ": no layer '" + src.layer + "' in " + src.path +
                      " (layers: " + join(names) + ")");
    }
  } else {
    if (ds->GetLayerCount() == 0) throw DataError(src.where + ": " + src.path + " holds no vector layer");
    layer = ds->GetLayer(0);
  }

  FeatureSet fs;
  fs.source = redact_source(src.path);
  fs.driver = ds->GetDriverName();
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i) fs.fields.emplace_back(defn->GetFieldDefn(i)->GetNameRef());

  for (const auto& f : src.required_fields) {
    if (defn->GetFieldIndex(f.c_str()) < 0)
      throw DataError(src.where + ": column '" + f + "' not found in " + src.path +
                      " (columns: " + join(fs.fields) + ")");
  }
  int date_idx = -1;
  if (!src.date_field.empty()) {
    date_idx = defn->GetFieldIndex(src.date_field.c_str());
    if (date_idx < 0)
      throw DataError(src.where + ": date column '" + src.date_field + "' not found in " + src.path +
                      " (columns: " + join(fs.fields) + ")");
  }
  if (!src.attribute_filter.empty()) {
    if (layer->SetAttributeFilter(src.attribute_filter.c_str()) != OGRERR_NONE)
      throw DataError(src.where + ": filter \"" + src.attribute_filter + "\" is not valid for " + src.path +
                      ": " + take_gdal_message());
  }

  // Source CRS
  OGRSpatialReference source_srs;
  if (!src.crs_override.empty()) {
    if (source_srs.SetFromUserInput(src.crs_override.c_str()) != OGRERR_NONE)
      throw ConfigError(src.where + ".crs: '" + src.crs_override + "' is not a coordinate reference system");
  } else if (const OGRSpatialReference* s = layer->GetSpatialRef(); s != nullptr) {
    source_srs = *s;
  } else {
    throw DataError(src.where + ": " + src.path +
                    " has no coordinate reference system; add crs = \"EPSG:...\" for it in the study file");
  }
  source_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  {
    const char* auth = source_srs.GetAuthorityName(nullptr);
    const char* code = source_srs.GetAuthorityCode(nullptr);
    fs.source_crs = auth != nullptr && code != nullptr ? std::string(auth) + ":" + code
                                                      : (source_srs.GetName() != nullptr ? source_srs.GetName() : "?");
  }
  const bool geographic = source_srs.IsGeographic() != 0;
  OGRSpatialReference target_srs;
  target_srs.importFromWkt(target.wkt.c_str());
  target_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct;
  if (!source_srs.IsSame(&target_srs)) {
    ct.reset(OGRCreateCoordinateTransformation(&source_srs, &target_srs));
    if (!ct) throw DataError(src.where + ": cannot transform " + fs.source_crs + " to " + target.name + ": " +
                             take_gdal_message());
  }
  std::unique_ptr<OGRCoordinateTransformation> ct_swapped_check;

  std::optional<GeomKind> kind;
  std::int64_t out_of_range = 0, out_of_range_swappable = 0, outside = 0, outside_swappable = 0;
  auto name_of = [&](GIntBig fid) {
    return src.csv_rows ? "line " + std::to_string(fid + 1) : "feature " + std::to_string(fid);
  };
  // Would (y, x) land inside the clip area? Used to recognise swapped columns.
  auto swapped_inside = [&](double sx, double sy) {
    if (clip == nullptr) return false;
    double x = sy, y = sx;
    if (geographic && (std::fabs(x) > 180.0 || std::fabs(y) > 90.0)) return false;
    if (ct && !ct->Transform(1, &x, &y)) return false;
    return clip->covers(x, y);
  };

  // A database has no file to hash: hash each row read (after the filter),
  // then the sorted row hashes, so the figure does not depend on row order.
  const bool hash_rows = is_database_source(src.path);
  std::vector<std::string> row_hashes;

  Progress progress("reading " + src.where, 0);
  layer->ResetReading();
  for (auto& feat : *layer) {
    progress.advance();
    ++fs.read;
    if (hash_rows) row_hashes.push_back(row_digest(*feat, defn));
    const GIntBig fid = feat->GetFID();
    OGRGeometry* g = feat->GetGeometryRef();
    if (g == nullptr || g->IsEmpty()) {
      fs.dropped.add("missing or empty geometry (no coordinates)", name_of(fid));
      continue;
    }
    const auto k = kind_of(g->getGeometryType());
    if (!k) {
      throw DataError(src.where + ": " + name_of(fid) + " of " + src.path + " is a " + g->getGeometryName() +
                      "; expected points, lines or polygons");
    }
    if (!kind) {
      kind = k;
    } else if (*kind != *k) {
      throw DataError(src.where + ": " + src.path + " mixes " + to_string(*kind) + "s and " + to_string(*k) +
                      "s (" + name_of(fid) + "); split it into one layer per geometry type");
    }

    Feature base;
    base.source_fid = fid;
    if (date_idx >= 0) {
      if (!feat->IsFieldSetAndNotNull(date_idx)) {
        fs.dropped.add("missing date", name_of(fid));
        continue;
      }
      const OGRFieldType ft = defn->GetFieldDefn(date_idx)->GetType();
      std::optional<std::int64_t> t;
      if (ft == OFTDate || ft == OFTDateTime) {
        int y, mo, d, h, mi, tz;
        float s;
        if (feat->GetFieldAsDateTime(date_idx, &y, &mo, &d, &h, &mi, &s, &tz))
          t = civil_seconds(y, mo, d, h, mi, static_cast<int>(s));
      } else {
        t = parse_civil_time(feat->GetFieldAsString(date_idx), src.date_format);
      }
      if (!t) {
        fs.dropped.add("unparsable date (expected format '" + src.date_format + "')",
                       name_of(fid) + ": '" + feat->GetFieldAsString(date_idx) + "'");
        continue;
      }
      base.time_s = *t;
    }
    base.attributes.reserve(fs.fields.size());
    for (int i = 0; i < defn->GetFieldCount(); ++i)
      base.attributes.emplace_back(feat->IsFieldSetAndNotNull(i) ? feat->GetFieldAsString(i) : "");

    if (*k == GeomKind::point) {
      // Multipoints become one feature per point.
      std::vector<OGRPoint*> pts;
      if (wkbFlatten(g->getGeometryType()) == wkbPoint) {
        pts.push_back(g->toPoint());
      } else {
        for (auto* p : *g->toMultiPoint()) pts.push_back(p);
      }
      for (OGRPoint* p : pts) {
        double x = p->getX(), y = p->getY();
        const double sx = x, sy = y;
        if (!std::isfinite(x) || !std::isfinite(y)) {
          fs.dropped.add("coordinates not finite (NaN or infinite)", name_of(fid));
          continue;
        }
        if (geographic && (std::fabs(x) > 180.0 || std::fabs(y) > 90.0)) {
          ++out_of_range;
          if (std::fabs(y) <= 180.0 && std::fabs(x) <= 90.0) ++out_of_range_swappable;
          std::ostringstream ex;
          ex << name_of(fid) << ": (" << x << ", " << y << ")";
          fs.dropped.add("coordinates out of range for " + fs.source_crs +
                             " (longitude -180..180, latitude -90..90)",
                         ex.str());
          continue;
        }
        if (ct && !ct->Transform(1, &x, &y)) {
          fs.dropped.add("coordinates cannot be transformed to " + target.name, name_of(fid));
          continue;
        }
        if (clip != nullptr && !clip->covers(x, y)) {
          ++outside;
          if (outside <= 2000 && swapped_inside(sx, sy)) ++outside_swappable;
          fs.dropped.add(src.clip_reason, name_of(fid));
          continue;
        }
        Feature f = base;
        f.x = x;
        f.y = y;
        fs.features.push_back(std::move(f));
      }
    } else {
      std::unique_ptr<OGRGeometry> geom(g->clone());
      if (ct && geom->transform(ct.get()) != OGRERR_NONE) {
        fs.dropped.add("geometry cannot be transformed to " + target.name, name_of(fid));
        continue;
      }
      Feature f = base;
      f.wkb = export_wkb(*geom);
      if (auto why = invalid_reason(f.wkb)) {
        f.wkb = make_valid(f.wkb);
        fs.repaired.add("invalid geometry made valid (" + *why + ")", name_of(fid));
      }
      if (clip != nullptr && !clip->intersects(f.wkb)) {
        ++outside;
        fs.dropped.add(src.clip_reason, name_of(fid));
        continue;
      }
      point_on_surface(f.wkb, f.x, f.y);
      fs.features.push_back(std::move(f));
    }
  }
  progress.finish();
  if (kind) fs.kind = *kind;
  if (hash_rows) {
    std::sort(row_hashes.begin(), row_hashes.end());
    std::string all;
    for (const auto& h : row_hashes) all += h + "\n";
    fs.rows_sha256 = sha256_bytes(all.data(), all.size());
  }

  // Swapped coordinates: most features unusable, and swapping x and y fixes them.
  const std::int64_t usable = static_cast<std::int64_t>(fs.features.size());
  if ((out_of_range > usable && out_of_range_swappable * 2 > out_of_range) ||
      (outside > 2 * usable && outside_swappable * 2 > std::min<std::int64_t>(outside, 2000))) {
    throw DataError(src.where + ": the coordinates in " + src.path +
                    " look swapped (x holds latitudes or northings): " + std::to_string(usable) + " of " +
                    std::to_string(fs.read) +
                    " features fall in the study area as given, most would with x and y exchanged; "
                    "check which column is x (longitude/easting) and which is y");
  }
  return fs;
}

}  // namespace rtm::io
