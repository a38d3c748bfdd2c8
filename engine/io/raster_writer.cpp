#include "io/raster_writer.hpp"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <map>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/error.hpp"
#include "io/gdal_env.hpp"
#include "io/output_dir.hpp"

namespace rtm::io {

namespace {
struct DatasetCloser {
  void operator()(GDALDataset* d) const { GDALClose(d); }
};

template <class T>
struct BandOf {
  const std::string* description;
  const std::vector<T>* values;
};

template <class T>
void write_any(const std::string& path, const GridSpec& grid, const std::vector<BandOf<T>>& bands, GDALDataType type,
               std::optional<double> nodata) {
  ensure_gdal();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* cog = GetGDALDriverManager()->GetDriverByName("COG");
  if (mem == nullptr || cog == nullptr) throw OutputError("GDAL lacks the MEM or COG driver");
  std::unique_ptr<GDALDataset, DatasetCloser> m(mem->Create("", static_cast<int>(grid.cols), static_cast<int>(grid.rows),
                                                            static_cast<int>(bands.size()), type, nullptr));
  double gt[6] = {grid.west, grid.cell_size_m, 0.0, grid.north, 0.0, -grid.cell_size_m};
  m->SetGeoTransform(gt);
  m->SetProjection(grid.crs_wkt.c_str());
  for (std::size_t k = 0; k < bands.size(); ++k) {
    const std::vector<T>& values = *bands[k].values;
    if (values.size() != static_cast<std::size_t>(grid.cell_count()))
      throw Error("internal: raster size does not match the grid for " + path);
    GDALRasterBand* b = m->GetRasterBand(static_cast<int>(k + 1));
    if (nodata) b->SetNoDataValue(*nodata);
    if (bands[k].description != nullptr) b->SetDescription(bands[k].description->c_str());
    if (b->RasterIO(GF_Write, 0, 0, static_cast<int>(grid.cols), static_cast<int>(grid.rows),
                    const_cast<T*>(values.data()), static_cast<int>(grid.cols), static_cast<int>(grid.rows), type, 0,
                    0, nullptr) != CE_None)
      throw OutputError("cannot fill raster for " + path + ": " + take_gdal_message());
  }
  const std::string tmp = temporary_name_for(path);
  const char* opts[] = {"COMPRESS=DEFLATE", "BLOCKSIZE=256", nullptr};
  std::unique_ptr<GDALDataset, DatasetCloser> out(
      cog->CreateCopy(tmp.c_str(), m.get(), FALSE, const_cast<char**>(opts), nullptr, nullptr));
  if (!out) {
    std::remove(tmp.c_str());
    throw OutputError("cannot write " + path + ": " + take_gdal_message());
  }
  out.reset();
  commit_file(tmp, path);
}

template <class T>
void write_one(const std::string& path, const GridSpec& grid, const std::vector<T>& values, GDALDataType type,
               std::optional<double> nodata) {
  write_any<T>(path, grid, {BandOf<T>{nullptr, &values}}, type, nodata);
}
}  // namespace

void write_cog(const std::string& path, const GridSpec& grid, const std::vector<std::uint8_t>& values,
               std::optional<double> nodata) {
  write_one(path, grid, values, GDT_Byte, nodata);
}
void write_cog(const std::string& path, const GridSpec& grid, const std::vector<std::int32_t>& values,
               std::optional<double> nodata) {
  write_one(path, grid, values, GDT_Int32, nodata);
}
void write_cog(const std::string& path, const GridSpec& grid, const std::vector<float>& values,
               std::optional<double> nodata) {
  write_one(path, grid, values, GDT_Float32, nodata);
}

void write_cog_bands(const std::string& path, const GridSpec& grid, const std::vector<Band8>& bands,
                     std::optional<double> nodata) {
  std::vector<BandOf<std::uint8_t>> b;
  for (const auto& x : bands) b.push_back({&x.description, &x.values});
  write_any(path, grid, b, GDT_Byte, nodata);
}

void write_cog_bands(const std::string& path, const GridSpec& grid, const std::vector<BandF>& bands,
                     std::optional<double> nodata) {
  std::vector<BandOf<float>> b;
  for (const auto& x : bands) b.push_back({&x.description, &x.values});
  write_any(path, grid, b, GDT_Float32, nodata);
}

std::vector<std::pair<std::int32_t, Wkb>> polygonize_ids(const GridSpec& grid, const std::vector<std::int32_t>& ids) {
  ensure_gdal();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset, DatasetCloser> m(
      mem->Create("", static_cast<int>(grid.cols), static_cast<int>(grid.rows), 1, GDT_Int32, nullptr));
  double gt[6] = {grid.west, grid.cell_size_m, 0.0, grid.north, 0.0, -grid.cell_size_m};
  m->SetGeoTransform(gt);
  GDALRasterBand* band = m->GetRasterBand(1);
  if (band->RasterIO(GF_Write, 0, 0, static_cast<int>(grid.cols), static_cast<int>(grid.rows),
                     const_cast<std::int32_t*>(ids.data()), static_cast<int>(grid.cols), static_cast<int>(grid.rows),
                     GDT_Int32, 0, 0, nullptr) != CE_None)
    throw Error("internal: cannot fill the raster to polygonize");
  GDALDriver* vmem = GetGDALDriverManager()->GetDriverByName("Memory");
  std::unique_ptr<GDALDataset, DatasetCloser> v(vmem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  OGRLayer* layer = v->CreateLayer("polygons", nullptr, wkbPolygon, nullptr);
  OGRFieldDefn fd("id", OFTInteger);
  layer->CreateField(&fd);
  char** opts = CSLSetNameValue(nullptr, "8CONNECTED", "8");
  // the band masks itself: 0 is background
  const CPLErr err = GDALPolygonize(band, band, layer, 0, opts, nullptr, nullptr);
  CSLDestroy(opts);
  if (err != CE_None) throw Error("internal: GDALPolygonize failed: " + take_gdal_message());
  std::map<std::int32_t, std::unique_ptr<OGRGeometry>> merged;
  for (auto& f : *layer) {
    const std::int32_t id = f->GetFieldAsInteger(0);
    std::unique_ptr<OGRGeometry> g(f->StealGeometry());
    auto it = merged.find(id);
    if (it == merged.end()) {
      merged[id] = std::move(g);
    } else {
      it->second.reset(it->second->Union(g.get()));
    }
  }
  std::vector<std::pair<std::int32_t, Wkb>> out;
  for (auto& [id, g] : merged) {
    Wkb w(static_cast<std::size_t>(g->WkbSize()));
    g->exportToWkb(wkbNDR, w.data(), wkbVariantIso);
    out.emplace_back(id, std::move(w));
  }
  return out;
}

}  // namespace rtm::io
