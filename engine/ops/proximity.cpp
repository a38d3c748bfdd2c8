#include "ops/proximity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace rtm::ops {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The lower envelope of parabolas f_j(x) = (x - v_j)^2 + h_j, built from
// parabolas sorted by vertex v (Felzenszwalb and Huttenlocher's 1D distance
// transform, with vertices anywhere instead of on the grid).
struct Envelope {
  std::vector<std::uint32_t> who;  // point index of each envelope piece
  std::vector<double> v, h, z;     // vertex, height, left end of each piece

  void clear() {
    who.clear();
    v.clear();
    h.clear();
    z.clear();
  }
  void add(std::uint32_t point, double vq, double hq) {
    while (!v.empty()) {
      const double vp = v.back(), hp = h.back();
      if (vq == vp) {
        if (hq >= hp) return;  // the same vertex, no lower: never the nearest
        pop();
        continue;
      }
      const double s = ((hq + vq * vq) - (hp + vp * vp)) / (2.0 * (vq - vp));
      if (s <= z.back()) {
        pop();
        continue;
      }
      push(point, vq, hq, s);
      return;
    }
    push(point, vq, hq, -kInf);
  }

 private:
  void pop() {
    who.pop_back();
    v.pop_back();
    h.pop_back();
    z.pop_back();
  }
  void push(std::uint32_t point, double vq, double hq, double s) {
    who.push_back(point);
    v.push_back(vq);
    h.push_back(hq);
    z.push_back(s);
  }
};

// Sparse points: row by row, the lower envelope of the parabolas
// (x - px)^2 + (y - py)^2 of the points within max_m of the row.
std::vector<double> by_rows(const std::vector<double>& px, const std::vector<double>& py, const StudyCells& cells,
                            double max_m) {
  const std::size_t n = cells.size();
  std::vector<double> out(n, kInf);
  const CellRows rows = cell_rows(cells);
  // x relative to the first cell keeps v^2 small in the envelope's
  // intersections; the distances themselves are computed from the original
  // coordinates of the nearest point, as sqrt(dx^2 + dy^2).
  const double x0 = cells.x[rows.order[0]];
  // Points by x (ties by y, then index: a fixed order whatever the input order),
  // and their y sorted, to find those within max_m of a band of rows.
  std::vector<std::uint32_t> by_x(px.size());
  std::iota(by_x.begin(), by_x.end(), 0u);
  std::sort(by_x.begin(), by_x.end(), [&](std::uint32_t a, std::uint32_t b) {
    return px[a] != px[b] ? px[a] < px[b] : (py[a] != py[b] ? py[a] < py[b] : a < b);
  });
  std::vector<double> ys(py);
  std::sort(ys.begin(), ys.end());

  const double r2 = max_m * max_m;
  Envelope env;
  std::vector<std::uint32_t> band;  // points of the current band of rows, by x
  double band_lo = kInf, band_hi = -kInf;
  for (std::size_t r = 0; r < rows.rows(); ++r) {
    const double y = cells.y[rows.order[rows.row_start[r]]];
    // Points within max_m of this row: refill the band when the row leaves it
    // (a band serves 2 max_m of rows).
    if (y - max_m < band_lo || y + max_m > band_hi) {
      band_hi = y + max_m;
      band_lo = y - 3.0 * max_m;
      band.clear();
      const auto a = std::lower_bound(ys.begin(), ys.end(), band_lo);
      const auto b = std::upper_bound(ys.begin(), ys.end(), band_hi);
      if (b - a > 0) {
        band.reserve(static_cast<std::size_t>(b - a));
        for (std::uint32_t i : by_x)
          if (py[i] >= band_lo && py[i] <= band_hi) band.push_back(i);
      }
    }
    env.clear();
    for (std::uint32_t i : band) {
      const double dy = py[i] - y;
      if (dy * dy <= r2) env.add(i, px[i] - x0, dy * dy);
    }
    if (!env.v.empty()) {
      std::size_t j = 0;
      const std::size_t pieces = env.v.size();
      for (std::size_t q = rows.row_start[r]; q < rows.row_start[r + 1]; ++q) {
        const std::size_t c = rows.order[q];
        const double lx = cells.x[c] - x0;
        while (j + 1 < pieces && env.z[j + 1] < lx) ++j;
        // The piece over this x, and its neighbours: where two points are
        // equally near, rounding in the breakpoints must not pick the farther.
        double d2 = kInf;
        for (std::size_t t = j > 0 ? j - 1 : 0; t <= j + 1 && t < pieces; ++t) {
          const std::uint32_t i = env.who[t];
          const double dx = px[i] - cells.x[c], dy = py[i] - cells.y[c];
          d2 = std::min(d2, dx * dx + dy * dy);
        }
        if (d2 <= r2) out[c] = std::sqrt(d2);
      }
    }
  }
  return out;
}

// Dense points: bins on the grid, rings of bins around each cell.
std::vector<double> by_rings(const std::vector<double>& px, const std::vector<double>& py, const StudyCells& cells,
                             double cs, double max_m) {
  const std::size_t n = cells.size();
  std::vector<double> out(n, kInf);

  // Bins are the grid's cells (centred on the cell centres), over the cells'
  // extent plus K + 1 bins, K = ceil(max_m / cs): a point outside is farther
  // than (K + 0.5) cs > max_m from every cell.
  const double x0 = cells.x[0], y0 = cells.y[0];
  const auto K = static_cast<std::int64_t>(std::ceil(max_m / cs));
  auto col_of = [&](double x) { return std::floor((x - x0) / cs + 0.5); };
  auto row_of = [&](double y) { return std::floor((y0 - y) / cs + 0.5); };
  double cmin = 0, cmax = 0, rmin = 0, rmax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double c = col_of(cells.x[i]), r = row_of(cells.y[i]);
    cmin = std::min(cmin, c);
    cmax = std::max(cmax, c);
    rmin = std::min(rmin, r);
    rmax = std::max(rmax, r);
  }
  const double margin = static_cast<double>(K + 1);
  const double c_lo = cmin - margin, r_lo = rmin - margin;
  const auto W = static_cast<std::int64_t>(cmax - cmin + 1 + 2 * margin);
  const auto H = static_cast<std::int64_t>(rmax - rmin + 1 + 2 * margin);
  const auto nb = static_cast<std::size_t>(W * H);

  // Points by bin (row-major CSR), coordinates copied in bin order.
  std::vector<std::uint32_t> start(nb + 1, 0);
  std::vector<std::uint32_t> bin_of(px.size(), UINT32_MAX);
  for (std::size_t i = 0; i < px.size(); ++i) {
    const double c = col_of(px[i]) - c_lo, r = row_of(py[i]) - r_lo;
    if (!(c >= 0 && r >= 0 && c < static_cast<double>(W) && r < static_cast<double>(H))) continue;
    bin_of[i] = static_cast<std::uint32_t>(static_cast<std::int64_t>(r) * W + static_cast<std::int64_t>(c));
    ++start[bin_of[i] + 1];
  }
  for (std::size_t b = 0; b < nb; ++b) start[b + 1] += start[b];
  std::vector<double> sx(start[nb]), sy(start[nb]);
  {
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < px.size(); ++i)
      if (bin_of[i] != UINT32_MAX) {
        const std::uint32_t at = fill[bin_of[i]]++;
        sx[at] = px[i];
        sy[at] = py[i];
      }
  }

  // Chessboard distance in bins to the nearest occupied bin, capped at K + 1
  // (two raster passes; the outermost ring of bins is only read, never a cell).
  const auto cap = static_cast<std::uint8_t>(std::min<std::int64_t>(K + 1, 255));
  std::vector<std::uint8_t> ring(nb);
  for (std::size_t b = 0; b < nb; ++b) ring[b] = start[b + 1] > start[b] ? 0 : cap;
  auto relax = [](std::uint8_t& v, std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    const std::uint8_t m = std::min(std::min(a, b), std::min(c, d));
    if (m + 1 < v) v = static_cast<std::uint8_t>(m + 1);
  };
  const auto w = static_cast<std::size_t>(W);
  for (std::int64_t r = 1; r < H - 1; ++r) {
    std::uint8_t* row = ring.data() + static_cast<std::size_t>(r) * w;
    const std::uint8_t* up = row - w;
    for (std::size_t c = 1; c + 1 < w; ++c) relax(row[c], row[c - 1], up[c - 1], up[c], up[c + 1]);
  }
  for (std::int64_t r = H - 2; r >= 1; --r) {
    std::uint8_t* row = ring.data() + static_cast<std::size_t>(r) * w;
    const std::uint8_t* down = row + w;
    for (std::size_t c = w - 2; c >= 1; --c) relax(row[c], row[c + 1], down[c + 1], down[c], down[c - 1]);
  }

  // Each cell: search the rings of bins from the first occupied one until the
  // best distance is within the next ring's nearest possible distance
  // ((k + 0.5) cs from the centre) or past max_m.
  const double r2 = max_m * max_m;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<std::int64_t>(col_of(cells.x[i]) - c_lo);
    const auto r = static_cast<std::int64_t>(row_of(cells.y[i]) - r_lo);
    const std::int64_t k0 = ring[static_cast<std::size_t>(r * W + c)];
    if (k0 > K) continue;
    const double qx = cells.x[i], qy = cells.y[i];
    double best = kInf;
    auto scan = [&](std::size_t first_bin, std::size_t bins) {
      for (std::uint32_t j = start[first_bin]; j < start[first_bin + bins]; ++j) {
        const double dx = sx[j] - qx, dy = sy[j] - qy;
        best = std::min(best, dx * dx + dy * dy);
      }
    };
    for (std::int64_t k = k0; k <= K; ++k) {
      if (k == 0) {
        scan(static_cast<std::size_t>(r * W + c), 1);
      } else {
        const auto span = static_cast<std::size_t>(2 * k + 1);
        scan(static_cast<std::size_t>((r - k) * W + c - k), span);  // top row of the ring
        scan(static_cast<std::size_t>((r + k) * W + c - k), span);  // bottom row
        for (std::int64_t rr = r - k + 1; rr < r + k; ++rr) {
          scan(static_cast<std::size_t>(rr * W + c - k), 1);
          scan(static_cast<std::size_t>(rr * W + c + k), 1);
        }
      }
      const double edge = (static_cast<double>(k) + 0.5) * cs;
      if (best <= edge * edge) break;
    }
    if (best <= r2) out[i] = std::sqrt(best);
  }
  return out;
}

}  // namespace

std::vector<double> nearest_point_distances(const std::vector<double>& px, const std::vector<double>& py,
                                            const StudyCells& cells, double cell_size_m, double max_m,
                                            ProximityMethod method) {
  if (cells.size() == 0 || px.empty() || !(max_m >= 0) || !(cell_size_m > 0))
    return std::vector<double>(cells.size(), kInf);
  if (method == ProximityMethod::automatic) {
    // Rows cost about points x (rows within max_m); rings about cells x
    // (bins searched), which is small where points are dense.
    const double rows_per_point = 2.0 * std::ceil(max_m / cell_size_m) + 1.0;
    method = static_cast<double>(px.size()) * rows_per_point <= static_cast<double>(cells.size())
                 ? ProximityMethod::rows
                 : ProximityMethod::rings;
  }
  return method == ProximityMethod::rows ? by_rows(px, py, cells, max_m) : by_rings(px, py, cells, cell_size_m, max_m);
}

}  // namespace rtm::ops
