#include "core/point_index.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rtm {

PointIndex::PointIndex(const std::vector<double>& x, const std::vector<double>& y, double bucket_m)
    : x_(x), y_(y), bucket_(bucket_m > 0 ? bucket_m : 1.0) {
  if (x_.empty()) return;
  min_x_ = *std::min_element(x_.begin(), x_.end());
  min_y_ = *std::min_element(y_.begin(), y_.end());
  const double max_x = *std::max_element(x_.begin(), x_.end());
  const double max_y = *std::max_element(y_.begin(), y_.end());
  // Keep the bucket count bounded (about 4 points per bucket at least).
  const double span = std::max(max_x - min_x_, max_y - min_y_);
  const double min_bucket = span / std::sqrt(static_cast<double>(x_.size()) / 4.0 + 1.0);
  bucket_ = std::max(bucket_, min_bucket > 0 ? min_bucket : 1.0);
  cols_ = static_cast<std::int64_t>((max_x - min_x_) / bucket_) + 1;
  rows_ = static_cast<std::int64_t>((max_y - min_y_) / bucket_) + 1;
  const std::size_t nb = static_cast<std::size_t>(cols_ * rows_);
  std::vector<std::uint32_t> counts(nb + 1, 0);
  std::vector<std::uint32_t> bucket_of(x_.size());
  for (std::size_t i = 0; i < x_.size(); ++i) {
    bucket_of[i] = static_cast<std::uint32_t>(row(y_[i]) * cols_ + col(x_[i]));
    ++counts[bucket_of[i] + 1];
  }
  start_.assign(nb + 1, 0);
  for (std::size_t b = 0; b < nb; ++b) start_[b + 1] = start_[b] + counts[b + 1];
  order_.resize(x_.size());
  std::vector<std::uint32_t> fill(start_.begin(), start_.end() - 1);
  for (std::size_t i = 0; i < x_.size(); ++i) order_[fill[bucket_of[i]]++] = static_cast<std::uint32_t>(i);
}

std::int64_t PointIndex::col(double x) const { return static_cast<std::int64_t>(std::floor((x - min_x_) / bucket_)); }
std::int64_t PointIndex::row(double y) const { return static_cast<std::int64_t>(std::floor((y - min_y_) / bucket_)); }

double PointIndex::nearest_distance(double qx, double qy) const {
  if (x_.empty()) return std::numeric_limits<double>::infinity();
  const std::int64_t qc = col(qx), qr = row(qy);
  double best2 = std::numeric_limits<double>::infinity();
  // Search rings of buckets around the query's bucket. After ring k, every
  // unvisited point is farther than the distance from the query to the edge of
  // the visited block, which is at least dist_to_block.
  const std::int64_t max_ring = std::max({std::abs(qc) + cols_, std::abs(qr) + rows_});
  for (std::int64_t k = 0; k <= max_ring; ++k) {
    for (std::int64_t r = qr - k; r <= qr + k; ++r) {
      if (r < 0 || r >= rows_) continue;
      const bool edge_row = (r == qr - k || r == qr + k);
      for (std::int64_t c = qc - k; c <= qc + k; c += (edge_row ? 1 : 2 * k > 0 ? 2 * k : 1)) {
        if (c < 0 || c >= cols_) continue;
        const std::size_t b = static_cast<std::size_t>(r * cols_ + c);
        for (std::uint32_t j = start_[b]; j < start_[b + 1]; ++j) {
          const std::uint32_t i = order_[j];
          const double dx = x_[i] - qx, dy = y_[i] - qy;
          best2 = std::min(best2, dx * dx + dy * dy);
        }
      }
    }
    // Distance from the query to the outside of the (2k+1)^2 block of buckets.
    const double bx0 = min_x_ + static_cast<double>(qc - k) * bucket_;
    const double bx1 = min_x_ + static_cast<double>(qc + k + 1) * bucket_;
    const double by0 = min_y_ + static_cast<double>(qr - k) * bucket_;
    const double by1 = min_y_ + static_cast<double>(qr + k + 1) * bucket_;
    const double margin = std::min({qx - bx0, bx1 - qx, qy - by0, by1 - qy});
    if (margin > 0 && best2 <= margin * margin) break;
  }
  return std::sqrt(best2);
}

}  // namespace rtm
