#pragma once
// The study cells in compact order (row-major among cells whose centre is in
// the area): candidates, counts and models are indexed this way.
#include <cstdint>
#include <vector>

#include "core/grid_spec.hpp"

namespace rtm::ops {

struct StudyCells {
  std::vector<std::int64_t> linear;  // grid linear index of each study cell
  std::vector<double> x, y;          // cell centres
  std::size_t size() const { return linear.size(); }
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

}  // namespace rtm::ops
