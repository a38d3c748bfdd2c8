#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/grid_spec.hpp"

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

}  // namespace rtm::io
