#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/grid_spec.hpp"
#include "io/geometry.hpp"

namespace rtm::io {

// Writes one band over the whole grid as a Cloud Optimized GeoTIFF (DEFLATE).
// `values` is row-major, rows x cols. The file appears under `path` only when
// complete (written to a temporary name beside it, then renamed).
void write_cog(const std::string& path, const GridSpec& grid, const std::vector<std::uint8_t>& values,
               std::optional<double> nodata = std::nullopt);
void write_cog(const std::string& path, const GridSpec& grid, const std::vector<std::int32_t>& values,
               std::optional<double> nodata = std::nullopt);
void write_cog(const std::string& path, const GridSpec& grid, const std::vector<float>& values,
               std::optional<double> nodata = std::nullopt);

// Several bands of one type, each with a description (GDAL band description).
struct Band8 {
  std::string description;
  std::vector<std::uint8_t> values;
};
struct BandF {
  std::string description;
  std::vector<float> values;
};
void write_cog_bands(const std::string& path, const GridSpec& grid, const std::vector<Band8>& bands,
                     std::optional<double> nodata = std::nullopt);
void write_cog_bands(const std::string& path, const GridSpec& grid, const std::vector<BandF>& bands,
                     std::optional<double> nodata = std::nullopt);

// Polygons of the cells carrying each positive id (0 = background), through
// GDALPolygonize with 8-connectivity; one (multi)polygon per id.
std::vector<std::pair<std::int32_t, Wkb>> polygonize_ids(const GridSpec& grid, const std::vector<std::int32_t>& ids);

}  // namespace rtm::io
