#pragma once
// Features of one layer, projected once into the study CRS. Core holds no
// library types: line and polygon geometries travel as WKB bytes.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rtm {

enum class GeomKind { point, line, polygon };
inline const char* to_string(GeomKind k) {
  switch (k) {
    case GeomKind::point: return "point";
    case GeomKind::line: return "line";
    case GeomKind::polygon: return "polygon";
  }
  return "?";
}

struct Feature {
  std::int64_t source_fid = 0;      // feature id in the source (CSV: data row number)
  double x = 0.0, y = 0.0;          // point, or a representative point of the geometry
  std::vector<unsigned char> wkb;   // full geometry (lines, polygons); empty for points
  std::optional<std::int64_t> time_s;  // civil (local) time as seconds since 1970-01-01
  std::vector<std::string> attributes;  // one per FeatureSet::fields
};

// Why features were not kept, with counts and the first example of each.
struct DropLog {
  struct Entry {
    std::int64_t count = 0;
    std::string first_example;
  };
  std::map<std::string, Entry> reasons;

  void add(const std::string& reason, const std::string& example) {
    auto& e = reasons[reason];
    if (e.count == 0) e.first_example = example;
    ++e.count;
  }
  std::int64_t total() const {
    std::int64_t n = 0;
    for (const auto& [k, v] : reasons) n += v.count;
    return n;
  }
};

struct FeatureSet {
  std::string name;          // layer name from the study file
  std::string source;        // path or connection the features came from
  std::string source_crs;    // short name or WKT of the source CRS
  std::string driver;        // GDAL driver name
  GeomKind kind = GeomKind::point;
  std::vector<std::string> fields;
  std::vector<Feature> features;
  std::int64_t read = 0;     // features read from the source (after the attribute filter)
  std::string rows_sha256;   // database sources: SHA-256 of the rows read, in any order
  DropLog dropped;
  DropLog repaired;          // kept after a documented repair (e.g. invalid polygon made valid)
};

}  // namespace rtm
