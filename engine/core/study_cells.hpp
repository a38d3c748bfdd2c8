#pragma once
// The study cells in compact order (row-major among cells whose centre is in
// the area): candidates, counts and models are indexed this way.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/grid_spec.hpp"

namespace rtm {

struct StudyCells {
  std::vector<std::int64_t> linear;  // grid linear index of each study cell
  std::vector<double> x, y;          // cell centres
  std::size_t size() const { return linear.size(); }
};

// The cells of a grid that are study cells, and where each grid cell is among
// them: index[grid linear index] = study-cell index, -1 outside the study cells.
struct StudyCellIndex {
  std::vector<std::int64_t> of_grid;
  StudyCellIndex(const GridSpec& g, const StudyCells& cells)
      : of_grid(static_cast<std::size_t>(g.cell_count()), -1) {
    for (std::size_t i = 0; i < cells.size(); ++i)
      of_grid[static_cast<std::size_t>(cells.linear[i])] = static_cast<std::int64_t>(i);
  }
  // The study cell of grid cell (row, col); -1 outside the grid or the study cells.
  std::int64_t at(const GridSpec& g, std::int64_t row, std::int64_t col) const {
    if (row < 0 || col < 0 || row >= g.rows || col >= g.cols) return -1;
    return of_grid[static_cast<std::size_t>(row * g.cols + col)];
  }
  // The study cell holding (x, y); -1 outside the grid or the study cells.
  std::int64_t of_point(const GridSpec& g, double x, double y) const {
    const auto c = g.cell_of(x, y);
    return c ? of_grid[static_cast<std::size_t>(g.linear(*c))] : -1;
  }
};

inline StudyCells study_cells(const GridSpec& g, const std::vector<std::uint8_t>& mask) {
  StudyCells s;
  for (std::int64_t r = 0; r < g.rows; ++r)
    for (std::int64_t c = 0; c < g.cols; ++c)
      if (mask[static_cast<std::size_t>(r * g.cols + c)] != 0) {
        s.linear.push_back(r * g.cols + c);
        s.x.push_back(g.centre_x(c));
        s.y.push_back(g.centre_y(r));
      }
  return s;
}

// Cells row by row: row r is order[row_start[r]] .. order[row_start[r + 1] - 1],
// rows from north to south (equal y), x ascending within a row. Study cells
// come in that order already; other cell lists are sorted.
struct CellRows {
  std::vector<std::uint32_t> order;
  std::vector<std::size_t> row_start;  // rows + 1 entries
  std::size_t rows() const { return row_start.size() - 1; }
};

inline CellRows cell_rows(const StudyCells& cells) {
  CellRows r;
  r.order.resize(cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) r.order[i] = static_cast<std::uint32_t>(i);
  bool row_major = true;
  for (std::size_t i = 1; i < cells.size() && row_major; ++i)
    row_major = cells.y[i] < cells.y[i - 1] || (cells.y[i] == cells.y[i - 1] && cells.x[i] > cells.x[i - 1]);
  if (!row_major)
    std::sort(r.order.begin(), r.order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return cells.y[a] != cells.y[b] ? cells.y[a] > cells.y[b] : cells.x[a] < cells.x[b];
    });
  r.row_start.push_back(0);
  for (std::size_t k = 1; k < r.order.size(); ++k)
    if (cells.y[r.order[k]] != cells.y[r.order[k - 1]]) r.row_start.push_back(k);
  r.row_start.push_back(r.order.size());
  return r;
}

}  // namespace rtm
