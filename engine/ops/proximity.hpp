#pragma once
// Exact nearest-point distances for proximity bands, up to the widest band.
// Two exact methods, chosen by the points' density:
//  - rows (sparse points): for each row of cells, the lower envelope of the
//    parabolas (x - px)^2 + (y - py)^2 of the points within max_m of the row
//    (Felzenszwalb and Huttenlocher's 1D transform with free vertices), read
//    off at the cells' x; cost about points x rows within max_m, plus cells.
//  - rings (dense points): points in bins that are the grid's cells; a
//    chessboard distance transform of the occupied bins gives each cell the
//    first ring of bins that can hold a point, and the search over rings stops
//    as soon as no farther ring can hold a nearer point; cost about cells x
//    bins searched.
// Either way the distance is sqrt(dx^2 + dy^2) to the nearest point.
#include <vector>

#include "core/study_cells.hpp"

namespace rtm::ops {

enum class ProximityMethod { automatic, rows, rings };

// Distance from each cell centre to the nearest point (px, py), where it is at
// most max_m; +infinity where no point is that near. The cells are centres of
// a grid of cell_size_m cells, in any order (study cells' row-major order is
// the fast path for rows).
std::vector<double> nearest_point_distances(const std::vector<double>& px, const std::vector<double>& py,
                                            const StudyCells& cells, double cell_size_m, double max_m,
                                            ProximityMethod method = ProximityMethod::automatic);

}  // namespace rtm::ops
