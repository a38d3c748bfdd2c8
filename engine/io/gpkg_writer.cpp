#include "io/gpkg_writer.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cstdio>
#include <memory>

#include "core/error.hpp"
#include "io/gdal_env.hpp"
#include "io/output_dir.hpp"
#include "io/redact.hpp"

namespace rtm::io {

namespace {
struct DatasetCloser {
  void operator()(GDALDataset* d) const { GDALClose(d); }
};

void check(OGRErr e, const std::string& what) {
  if (e != OGRERR_NONE) throw OutputError(what + ": " + take_gdal_message());
}

OGRFieldType ogr_type(GpkgField::Type t) {
  switch (t) {
    case GpkgField::Type::integer: return OFTInteger64;
    case GpkgField::Type::real: return OFTReal;
    case GpkgField::Type::text: return OFTString;
  }
  return OFTString;
}

// Appends the rows of `t` to `l` (whose fields are t's, in order).
void write_rows(OGRLayer* l, const GpkgLayer& t, OGRSpatialReference& srs, const std::string& where) {
  for (const GpkgRow& row : t.rows) {
    OGRFeature f(l->GetLayerDefn());
    for (std::size_t i = 0; i < row.values.size() && i < t.fields.size(); ++i) {
      const int k = static_cast<int>(i);
      const GpkgValue& v = row.values[i];
      if (std::holds_alternative<std::int64_t>(v))
        f.SetField(k, static_cast<GIntBig>(std::get<std::int64_t>(v)));
      else if (std::holds_alternative<double>(v))
        f.SetField(k, std::get<double>(v));
      else if (std::holds_alternative<std::string>(v))
        f.SetField(k, std::get<std::string>(v).c_str());
      else
        f.SetFieldNull(k);
    }
    if (t.spatial && !row.geometry.empty()) {
      OGRGeometry* g = nullptr;
      if (OGRGeometryFactory::createFromWkb(row.geometry.data(), &srs, &g, row.geometry.size()) != OGRERR_NONE)
        throw OutputError("internal: cannot decode a geometry for table " + t.name);
      f.SetGeometryDirectly(g);
    }
    check(l->CreateFeature(&f), "writing table " + t.name + " to " + where);
  }
}

// The fields and rows of one table.
GpkgLayer read_table(OGRLayer* l) {
  GpkgLayer t;
  t.name = l->GetName();
  t.spatial = l->GetGeomType() != wkbNone;
  OGRFeatureDefn* defn = l->GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    const OGRFieldType ft = defn->GetFieldDefn(i)->GetType();
    t.fields.push_back({defn->GetFieldDefn(i)->GetNameRef(),
                        ft == OFTInteger || ft == OFTInteger64 ? GpkgField::Type::integer
                        : ft == OFTReal                       ? GpkgField::Type::real
                                                              : GpkgField::Type::text});
  }
  for (auto& f : *l) {
    GpkgRow row;
    if (const OGRGeometry* g = f->GetGeometryRef(); g != nullptr) {
      row.geometry.resize(static_cast<std::size_t>(g->WkbSize()));
      g->exportToWkb(wkbNDR, row.geometry.data(), wkbVariantIso);
    }
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
      if (!f->IsFieldSetAndNotNull(i)) {
        row.values.emplace_back(std::monostate{});
        continue;
      }
      switch (t.fields[static_cast<std::size_t>(i)].type) {
        case GpkgField::Type::integer: row.values.emplace_back(static_cast<std::int64_t>(f->GetFieldAsInteger64(i))); break;
        case GpkgField::Type::real: row.values.emplace_back(f->GetFieldAsDouble(i)); break;
        case GpkgField::Type::text: row.values.emplace_back(std::string(f->GetFieldAsString(i))); break;
      }
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace

Wkb point_wkb(double x, double y) {
  OGRPoint p(x, y);
  Wkb w(static_cast<std::size_t>(p.WkbSize()));
  p.exportToWkb(wkbNDR, w.data(), wkbVariantIso);
  return w;
}

void write_gpkg(const std::string& path, const Crs& crs, const std::vector<GpkgLayer>& layers) {
  ensure_gdal();
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GPKG");
  if (drv == nullptr) throw OutputError("GDAL lacks the GPKG driver");
  const std::string tmp = temporary_name_for(path);
  std::remove(tmp.c_str());
  try {
    std::unique_ptr<GDALDataset, DatasetCloser> ds(drv->Create(tmp.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw OutputError("cannot create " + path + ": " + take_gdal_message());
    OGRSpatialReference srs;
    srs.importFromWkt(crs.wkt.c_str());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    for (const GpkgLayer& t : layers) {
      char** lco = nullptr;
      if (t.spatial && !t.spatial_index) lco = CSLSetNameValue(lco, "SPATIAL_INDEX", "NO");
      OGRLayer* l = ds->CreateLayer(t.name.c_str(), t.spatial ? &srs : nullptr, t.spatial ? wkbUnknown : wkbNone, lco);
      CSLDestroy(lco);
      if (l == nullptr) throw OutputError("cannot create table " + t.name + " in " + path + ": " + take_gdal_message());
      for (const auto& f : t.fields) {
        OGRFieldDefn fd(f.name.c_str(), ogr_type(f.type));
        check(l->CreateField(&fd), "adding field " + f.name + " to " + t.name);
      }
      check(ds->StartTransaction(), "starting a transaction in " + path);
      write_rows(l, t, srs, path);
      check(ds->CommitTransaction(), "committing table " + t.name + " to " + path);
    }
    ds.reset();
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  commit_file(tmp, path);
}

}  // namespace rtm::io

namespace rtm::io {

std::vector<GpkgLayer> read_gpkg(const std::string& path) {
  ensure_gdal();
  const char* drivers[] = {"GPKG", nullptr};
  std::unique_ptr<GDALDataset, void (*)(GDALDataset*)> ds(
      GDALDataset::FromHandle(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr)),
      [](GDALDataset* d) { GDALClose(d); });
  if (!ds) throw DataError("cannot open " + path + " as a GeoPackage: " + take_gdal_message());
  std::vector<GpkgLayer> out;
  for (OGRLayer* l : ds->GetLayers()) {
    GpkgLayer t = read_table(l);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace rtm::io

namespace rtm::io {

namespace {
GDALDataset* open_pg(const std::string& conn, const std::string& password, bool update) {
  ensure_gdal();
  take_gdal_message();
  const char* drivers[] = {"PostgreSQL", nullptr};
  const std::string open = with_password(conn, password);  // never shown
  return GDALDataset::FromHandle(GDALOpenEx(open.c_str(), GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : GDAL_OF_READONLY),
                                            drivers, nullptr, nullptr));
}
}  // namespace

void write_pg_tables(const std::string& conn, const std::string& password, const Crs& crs,
                     const std::vector<GpkgLayer>& layers) {
  const std::string where = redact_source(conn);
  std::unique_ptr<GDALDataset, DatasetCloser> ds(open_pg(conn, password, true));
  if (!ds) throw OutputError("cannot connect to " + where + ": " + redact_source(take_gdal_message()));
  OGRSpatialReference srs;
  srs.importFromWkt(crs.wkt.c_str());
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  // Which tables exist already (looked up before the transaction: a failed
  // statement inside one would abort it).
  std::vector<bool> exists;
  for (const GpkgLayer& t : layers) exists.push_back(ds->GetLayerByName(t.name.c_str()) != nullptr);
  take_gdal_message();
  check(ds->StartTransaction(TRUE), "starting a transaction in " + where);
  try {
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const GpkgLayer& t = layers[k];
      if (exists[k]) {
        OGRLayer* old = ds->GetLayerByName(t.name.c_str());
        int index = -1;
        for (int i = 0; i < ds->GetLayerCount(); ++i)
          if (ds->GetLayer(i) == old) index = i;
        if (index < 0 || ds->DeleteLayer(index) != OGRERR_NONE)
          throw OutputError("cannot replace table " + t.name + " in " + where + ": " +
                            redact_source(take_gdal_message()));
      }
      const char* options[] = {"GEOMETRY_NAME=geom", "SPATIAL_INDEX=NONE", nullptr};
      OGRLayer* l = ds->CreateLayer(t.name.c_str(), t.spatial ? &srs : nullptr, t.spatial ? wkbUnknown : wkbNone,
                                    const_cast<char**>(options));
      if (l == nullptr)
        throw OutputError("cannot create table " + t.name + " in " + where + ": " + redact_source(take_gdal_message()));
      for (const auto& f : t.fields) {
        OGRFieldDefn fd(f.name.c_str(), ogr_type(f.type));
        check(l->CreateField(&fd), "adding field " + f.name + " to " + t.name + " in " + where);
      }
      write_rows(l, t, srs, where);
      if (l->SyncToDisk() != OGRERR_NONE)
        throw OutputError("writing table " + t.name + " to " + where + ": " + redact_source(take_gdal_message()));
    }
    if (ds->CommitTransaction() != OGRERR_NONE)
      throw OutputError("committing the tables to " + where + ": " + redact_source(take_gdal_message()));
  } catch (...) {
    ds->RollbackTransaction();
    throw;
  }
}

std::vector<GpkgLayer> read_pg_tables(const std::string& conn, const std::string& password,
                                      const std::vector<std::string>& names) {
  const std::string where = redact_source(conn);
  std::unique_ptr<GDALDataset, DatasetCloser> ds(open_pg(conn, password, false));
  if (!ds) throw DataError("cannot connect to " + where + ": " + redact_source(take_gdal_message()));
  std::vector<GpkgLayer> out;
  for (const auto& name : names)
    if (OGRLayer* l = ds->GetLayerByName(name.c_str()); l != nullptr) out.push_back(read_table(l));
  take_gdal_message();
  return out;
}

}  // namespace rtm::io
