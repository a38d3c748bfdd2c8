#pragma once
// A uniform bucket grid over points: exact nearest-point distances and
// all-points-within-radius queries, without approximation.
#include <cstdint>
#include <vector>

namespace rtm {

class PointIndex {
 public:
  PointIndex(const std::vector<double>& x, const std::vector<double>& y, double bucket_m);

  // Exact Euclidean distance from (qx, qy) to the nearest point (+inf when empty).
  double nearest_distance(double qx, double qy) const;
  // Calls f(i, d2) for every point i within `radius` (d2 = squared distance < radius^2).
  template <class F>
  void within(double qx, double qy, double radius, F&& f) const {
    if (x_.empty()) return;
    const double r2 = radius * radius;
    const std::int64_t c0 = clampc(col(qx - radius)), c1 = clampc(col(qx + radius));
    const std::int64_t r0 = clampr(row(qy - radius)), r1 = clampr(row(qy + radius));
    for (std::int64_t r = r0; r <= r1; ++r)
      for (std::int64_t c = c0; c <= c1; ++c) {
        const std::size_t b = static_cast<std::size_t>(r * cols_ + c);
        for (std::uint32_t k = start_[b]; k < start_[b + 1]; ++k) {
          const std::uint32_t i = order_[k];
          const double dx = x_[i] - qx, dy = y_[i] - qy, d2 = dx * dx + dy * dy;
          if (d2 < r2) f(i, d2);
        }
      }
  }

 private:
  std::int64_t col(double x) const;
  std::int64_t row(double y) const;
  std::int64_t clampc(std::int64_t c) const { return c < 0 ? 0 : (c >= cols_ ? cols_ - 1 : c); }
  std::int64_t clampr(std::int64_t r) const { return r < 0 ? 0 : (r >= rows_ ? rows_ - 1 : r); }
  std::vector<double> x_, y_;
  double min_x_ = 0, min_y_ = 0, bucket_ = 1;
  std::int64_t cols_ = 1, rows_ = 1;
  std::vector<std::uint32_t> start_, order_;
};

}  // namespace rtm
