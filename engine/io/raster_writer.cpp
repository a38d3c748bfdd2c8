#include "io/raster_writer.hpp"

#include <gdal_priv.h>

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
void write_any(const std::string& path, const GridSpec& grid, const std::vector<T>& values, GDALDataType type,
               std::optional<double> nodata) {
  ensure_gdal();
  if (values.size() != static_cast<std::size_t>(grid.cell_count()))
    throw Error("internal: raster size does not match the grid for " + path);
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* cog = GetGDALDriverManager()->GetDriverByName("COG");
  if (mem == nullptr || cog == nullptr) throw OutputError("GDAL lacks the MEM or COG driver");
  std::unique_ptr<GDALDataset, DatasetCloser> m(
      mem->Create("", static_cast<int>(grid.cols), static_cast<int>(grid.rows), 1, type, nullptr));
  double gt[6] = {grid.west, grid.cell_size_m, 0.0, grid.north, 0.0, -grid.cell_size_m};
  m->SetGeoTransform(gt);
  m->SetProjection(grid.crs_wkt.c_str());
  GDALRasterBand* b = m->GetRasterBand(1);
  if (nodata) b->SetNoDataValue(*nodata);
  if (b->RasterIO(GF_Write, 0, 0, static_cast<int>(grid.cols), static_cast<int>(grid.rows),
                  const_cast<T*>(values.data()), static_cast<int>(grid.cols), static_cast<int>(grid.rows), type, 0,
                  0, nullptr) != CE_None)
    throw OutputError("cannot fill raster for " + path + ": " + take_gdal_message());

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
}  // namespace

void write_cog(const std::string& path, const GridSpec& grid, const std::vector<std::uint8_t>& values,
               std::optional<double> nodata) {
  write_any(path, grid, values, GDT_Byte, nodata);
}
void write_cog(const std::string& path, const GridSpec& grid, const std::vector<std::int32_t>& values,
               std::optional<double> nodata) {
  write_any(path, grid, values, GDT_Int32, nodata);
}
void write_cog(const std::string& path, const GridSpec& grid, const std::vector<float>& values,
               std::optional<double> nodata) {
  write_any(path, grid, values, GDT_Float32, nodata);
}

}  // namespace rtm::io
