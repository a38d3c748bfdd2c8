#pragma once
// Geometry through the GEOS reentrant C API, behind value types that carry WKB.
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rtm::io {

using Wkb = std::vector<unsigned char>;

struct Box {
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
};

// Why a geometry is not valid ("Self-intersection[x y]"), or nothing when valid.
std::optional<std::string> invalid_reason(const Wkb& wkb);
// A valid version of the geometry (GEOS MakeValid).
Wkb make_valid(const Wkb& wkb);
// Builds a line string or a polygon (closed ring; the first point is repeated if needed).
Wkb linestring_wkb(const std::vector<double>& xy);  // x0, y0, x1, y1, ...
Wkb polygon_wkb(std::vector<double> ring_xy);
// Whether two polygonal geometries share area (touching edges do not count).
bool overlap(const Wkb& a, const Wkb& b);
// A point guaranteed to lie on the geometry.
void point_on_surface(const Wkb& wkb, double& x, double& y);

// Exact Euclidean distance from each query point to the nearest geometry
// (0 inside a polygon), through a GEOS STRtree. Lines and polygons.
std::vector<double> nearest_distances(const std::vector<Wkb>& geoms, const std::vector<double>& xs,
                                      const std::vector<double>& ys);
// Points every `spacing` metres along a line geometry (including its vertices'
// path), each with the length of line it stands for.
void sample_line(const Wkb& line, double spacing, std::vector<double>& xs, std::vector<double>& ys,
                 std::vector<double>& weights);

// Lines or polygons indexed for "which geometries lie within r of (x, y)".
class GeometryIndex {
 public:
  // Built whole here: within() may then be called from several threads.
  explicit GeometryIndex(const std::vector<Wkb>& geoms);
  GeometryIndex(GeometryIndex&&) noexcept;
  ~GeometryIndex();
  // (index, distance) of every geometry within `radius` (distance <= radius).
  std::vector<std::pair<std::size_t, double>> within(double x, double y, double radius) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A polygonal area with fast point-in-area and intersection tests.
class Area {
 public:
  // Unions the parts; throws DataError if the result is not polygonal or not valid.
  static Area from_parts(const std::vector<Wkb>& parts, const std::string& what);
  Area();  // empty: only to be assigned to
  Area(Area&&) noexcept;
  Area& operator=(Area&&) noexcept;
  ~Area();

  bool covers(double x, double y) const;     // inside or on the boundary
  bool intersects(const Wkb& wkb) const;
  Area buffered(double distance) const;
  // An independent copy (its own prepared geometry): prepared geometries must
  // not be queried from two threads at once, so each thread gets a copy.
  Area copy() const;
  Box bounds() const;
  double area() const;
  Wkb wkb() const;

 private:
  struct Impl;
  explicit Area(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtm::io
