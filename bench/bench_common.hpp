#pragma once
// What the stage benchmarks share: timing, and GDAL's proximity on a grid as
// the reference for ours.
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_priv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/feature_set.hpp"
#include "core/grid_spec.hpp"
#include "core/study_cells.hpp"

namespace rtm_bench {

using clk = std::chrono::steady_clock;
inline double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// Median of `reps` timings of f (the machine is shared: one run is noise).
template <class F>
double timed(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = clk::now();
    f();
    t.push_back(since(t0));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// GDAL: burn the points into a Float32 raster (the study grid padded by `pad`
// cells so features in the clip buffer outside the grid still count), then
// GDALComputeProximity in georeferenced units. Returns seconds; fills `out`
// (study-cell order) with GDAL's distances.
inline double gdal_proximity(const rtm::GridSpec& g, const rtm::FeatureSet& fs, const rtm::StudyCells& cells,
                      std::int64_t pad, double max_m, std::vector<double>* out) {
  const std::int64_t cols = g.cols + 2 * pad, rows = g.rows + 2 * pad;
  const double west = g.west - static_cast<double>(pad) * g.cell_size_m;
  const double north = g.north + static_cast<double>(pad) * g.cell_size_m;
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  const auto t0 = clk::now();
  GDALDataset* src = mem->Create("", static_cast<int>(cols), static_cast<int>(rows), 1, GDT_Float32, nullptr);
  GDALDataset* dst = mem->Create("", static_cast<int>(cols), static_cast<int>(rows), 1, GDT_Float32, nullptr);
  double gt[6] = {west, g.cell_size_m, 0, north, 0, -g.cell_size_m};
  src->SetGeoTransform(gt);
  dst->SetGeoTransform(gt);
  std::vector<float> buf(static_cast<std::size_t>(cols * rows), 0.0f);
  for (const auto& f : fs.features) {
    const double fc = std::floor((f.x - west) / g.cell_size_m), fr = std::floor((north - f.y) / g.cell_size_m);
    if (fc < 0 || fr < 0 || fc >= static_cast<double>(cols) || fr >= static_cast<double>(rows)) continue;
    buf[static_cast<std::size_t>(fr * static_cast<double>(cols) + fc)] = 1.0f;
  }
  CPLErr e = src->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, static_cast<int>(cols), static_cast<int>(rows),
                                             buf.data(), static_cast<int>(cols), static_cast<int>(rows), GDT_Float32, 0, 0);
  char** opts = nullptr;
  opts = CSLSetNameValue(opts, "VALUES", "1");
  opts = CSLSetNameValue(opts, "DISTUNITS", "GEO");
  opts = CSLSetNameValue(opts, "MAXDIST", std::to_string(max_m).c_str());
  opts = CSLSetNameValue(opts, "NODATA", "-1");
  if (e == CE_None)
    e = GDALComputeProximity(src->GetRasterBand(1), dst->GetRasterBand(1), opts, nullptr, nullptr);
  CSLDestroy(opts);
  if (e == CE_None)
    e = dst->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, static_cast<int>(cols), static_cast<int>(rows), buf.data(),
                                        static_cast<int>(cols), static_cast<int>(rows), GDT_Float32, 0, 0);
  const double secs = since(t0);
  GDALClose(src);
  GDALClose(dst);
  if (e != CE_None) throw std::runtime_error("GDALComputeProximity failed");
  out->resize(cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::int64_t r = cells.linear[i] / g.cols + pad, c = cells.linear[i] % g.cols + pad;
    const float v = buf[static_cast<std::size_t>(r * cols + c)];
    (*out)[i] = v < 0 ? std::numeric_limits<double>::infinity() : v;
  }
  return secs;
}

// The reference density: the quartic kernel 3/(pi h^2) (1 - d^2/h^2)^2 summed
// over every feature at (x, y), for each bandwidth (d^2 once per feature).
inline std::vector<double> brute_density(const rtm::FeatureSet& fs, double x, double y,
                                         const std::vector<double>& bands) {
  std::vector<double> sum(bands.size(), 0.0);
  for (const auto& f : fs.features) {
    const double d2 = (f.x - x) * (f.x - x) + (f.y - y) * (f.y - y);
    for (std::size_t b = 0; b < bands.size(); ++b) {
      const double h2 = bands[b] * bands[b];
      if (d2 < h2) {
        const double u = 1.0 - d2 / h2;
        sum[b] += 3.0 / (M_PI * h2) * u * u;
      }
    }
  }
  return sum;
}

}  // namespace rtm_bench
