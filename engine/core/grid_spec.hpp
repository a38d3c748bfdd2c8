#pragma once
// The study grid: north-up, square cells, in a projected metric CRS.
// Row 0 is the northernmost row; column 0 the westernmost column.
// A cell covers [west, east) x (south, north]: a point on a vertical border
// belongs to the cell to its east, a point on a horizontal border to the cell
// to its south. Points on the grid's east or south outer edge are outside.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace rtm {

struct CellIndex {
  std::int64_t row = 0;
  std::int64_t col = 0;
  bool operator==(const CellIndex& o) const { return row == o.row && col == o.col; }
};

struct GridSpec {
  double west = 0.0;   // x of the west edge of column 0
  double north = 0.0;  // y of the north edge of row 0
  double cell_size_m = 0.0;
  std::int64_t cols = 0;
  std::int64_t rows = 0;
  std::string crs_wkt;  // the projected CRS all rasters and features share
  std::string crs_name; // e.g. "EPSG:26971"

  std::int64_t cell_count() const { return cols * rows; }
  double east() const { return west + static_cast<double>(cols) * cell_size_m; }
  double south() const { return north - static_cast<double>(rows) * cell_size_m; }

  // Cell containing (x, y), or nothing when the point is outside the grid.
  std::optional<CellIndex> cell_of(double x, double y) const {
    if (!std::isfinite(x) || !std::isfinite(y)) return std::nullopt;
    const double fc = std::floor((x - west) / cell_size_m);
    const double fr = std::floor((north - y) / cell_size_m);
    if (fc < 0.0 || fr < 0.0 || fc >= static_cast<double>(cols) || fr >= static_cast<double>(rows))
      return std::nullopt;
    return CellIndex{static_cast<std::int64_t>(fr), static_cast<std::int64_t>(fc)};
  }
  double centre_x(std::int64_t col) const { return west + (static_cast<double>(col) + 0.5) * cell_size_m; }
  double centre_y(std::int64_t row) const { return north - (static_cast<double>(row) + 0.5) * cell_size_m; }
  std::int64_t linear(const CellIndex& c) const { return c.row * cols + c.col; }

  // The grid whose cells, aligned to multiples of the cell size, cover the box.
  static GridSpec covering(double min_x, double min_y, double max_x, double max_y, double cell_size_m) {
    GridSpec g;
    g.cell_size_m = cell_size_m;
    g.west = std::floor(min_x / cell_size_m) * cell_size_m;
    // x: cells are [west, east), so a box edge on a multiple needs the next column;
    // y: cells are (south, north], so a box edge on a multiple needs the next row down.
    g.north = std::ceil(max_y / cell_size_m) * cell_size_m;
    const double east = (std::floor(max_x / cell_size_m) + 1.0) * cell_size_m;
    const double south = (std::ceil(min_y / cell_size_m) - 1.0) * cell_size_m;
    g.cols = static_cast<std::int64_t>(std::llround((east - g.west) / cell_size_m));
    g.rows = static_cast<std::int64_t>(std::llround((g.north - south) / cell_size_m));
    return g;
  }
};

}  // namespace rtm
