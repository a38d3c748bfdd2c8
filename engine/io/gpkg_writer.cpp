#include "io/gpkg_writer.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "io/gdal_env.hpp"
#include "io/output_dir.hpp"

namespace rtm::io {

namespace {
struct DatasetCloser {
  void operator()(GDALDataset* d) const { GDALClose(d); }
};

OGRwkbGeometryType ogr_type(GeomKind k) {
  switch (k) {
    case GeomKind::point: return wkbPoint;
    case GeomKind::line: return wkbUnknown;  // lines and multilines mixed
    case GeomKind::polygon: return wkbUnknown;
  }
  return wkbUnknown;
}

void check(OGRErr e, const std::string& what) {
  if (e != OGRERR_NONE) throw OutputError(what + ": " + take_gdal_message());
}
}  // namespace

void write_gpkg(const std::string& path, const Crs& crs, const std::vector<GpkgTable>& tables, const Area& area) {
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

    {
      OGRLayer* l = ds->CreateLayer("study_area", &srs, wkbMultiPolygon, nullptr);
      if (l == nullptr) throw OutputError("cannot create table study_area in " + path);
      OGRFeature f(l->GetLayerDefn());
      OGRGeometry* g = nullptr;
      const Wkb w = area.wkb();
      OGRGeometryFactory::createFromWkb(w.data(), &srs, &g, w.size());
      f.SetGeometryDirectly(OGRGeometryFactory::forceToMultiPolygon(g));
      check(l->CreateFeature(&f), "writing study_area to " + path);
    }

    for (const auto& t : tables) {
      const FeatureSet& fs = *t.features;
      char** lco = CSLSetNameValue(nullptr, "SPATIAL_INDEX", "YES");
      OGRLayer* l = ds->CreateLayer(t.name.c_str(), &srs, ogr_type(fs.kind), lco);
      CSLDestroy(lco);
      if (l == nullptr) throw OutputError("cannot create table " + t.name + " in " + path);
      OGRFieldDefn fid("source_fid", OFTInteger64);
      check(l->CreateField(&fid), "adding source_fid");
      const bool timed = !fs.features.empty() && fs.features.front().time_s.has_value();
      if (timed) {
        OGRFieldDefn tf("time", OFTString);
        check(l->CreateField(&tf), "adding time");
      }
      for (const auto& name : fs.fields) {
        OGRFieldDefn fd(name.c_str(), OFTString);
        check(l->CreateField(&fd), "adding field " + name);
      }
      const int first_attr = timed ? 2 : 1;
      check(ds->StartTransaction(), "starting a transaction in " + path);
      for (const Feature& ft : fs.features) {
        OGRFeature f(l->GetLayerDefn());
        f.SetField(0, static_cast<GIntBig>(ft.source_fid));
        if (timed && ft.time_s) f.SetField(1, format_civil_time(*ft.time_s).c_str());
        for (std::size_t i = 0; i < ft.attributes.size(); ++i)
          f.SetField(first_attr + static_cast<int>(i), ft.attributes[i].c_str());
        if (ft.wkb.empty()) {
          f.SetGeometryDirectly(new OGRPoint(ft.x, ft.y));
        } else {
          OGRGeometry* g = nullptr;
          OGRGeometryFactory::createFromWkb(ft.wkb.data(), &srs, &g, ft.wkb.size());
          f.SetGeometryDirectly(g);
        }
        check(l->CreateFeature(&f), "writing table " + t.name + " to " + path);
      }
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
