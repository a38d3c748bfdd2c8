#pragma once
// The entry points shared by the libFuzzer targets (tests/fuzz/*_fuzz.cpp) and
// the corpus replay test (tests/unit/fuzz_corpus_replay_test.cpp): one input in,
// through the engine's own code paths. The contract under test: a hostile input
// is refused with an rtm::Error (caught here), never with a crash, a sanitizer
// report or another exception (those propagate and are findings).
//
// Header-only on purpose: the unit-test target compiles every tests/unit/*.cpp
// and links rtm_pipeline only, so nothing here may need more than the engine's
// headers and the standard library (no GDAL headers: inputs go through a
// temporary file, as a user's file would).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "io/crs.hpp"
#include "io/geometry.hpp"
#include "layers/layer_kind.hpp"
#include "pipeline/study_config.hpp"

namespace rtm::fuzz {

// What happened to one input.
enum class Outcome { accepted, refused };

inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// ---- study file ----------------------------------------------------------
// parse_study_config on the raw text, then the derived values the pipeline
// computes from a parsed study.
inline Outcome study_config(const std::uint8_t* data, std::size_t size) {
  try {
    const auto c = pipeline::parse_study_config(as_text(data, size), "/nonexistent/rtm-fuzz/study.toml");
    (void)c.max_influence_m();
    (void)c.default_ops.distances_m(c.block_length_m);
    for (const auto& l : c.layers) (void)l.ops.distances_m(c.block_length_m);
    return Outcome::accepted;
  } catch (const Error&) {
    return Outcome::refused;
  }
}

// ---- civil time ------------------------------------------------------------
// parse_civil_time(text, format): the input is "FORMAT\nTEXT" (no newline: the
// whole input is the text, with format "iso"). A parsed time is formatted back.
inline Outcome civil_time(const std::uint8_t* data, std::size_t size) {
  const std::string in = as_text(data, size);
  const auto nl = in.find('\n');
  const std::string format = nl == std::string::npos ? "iso" : in.substr(0, nl);
  const std::string text = nl == std::string::npos ? in : in.substr(nl + 1);
  const auto t = parse_civil_time(text, format);
  if (!t) return Outcome::refused;
  (void)format_civil_time(*t);
  (void)format_civil_date(*t);
  return Outcome::accepted;
}

// ---- incidents through the layer kinds ---------------------------------------
// The study a fuzzed incidents file is read into: NAD83 / Illinois East, a
// 22 x 24 km square over the sample city (so the sample rows land inside), and
// a private temporary folder the input is written to (the readers take paths,
// as the engine gives them a user's file).
struct ReadFixture {
  io::Crs target;
  io::Area area;
  std::string dir;

  ReadFixture() {
    target = io::resolve_crs("EPSG:26971", "fuzz");
    area = io::Area::from_parts({io::polygon_wkb({346000, 558000, 368000, 558000, 368000, 582000, 346000, 582000})},
                                "fuzz area");
    std::string tmpl = (std::filesystem::temp_directory_path() / "rtm-fuzz-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) std::abort();
    dir = buf.data();
  }
  ~ReadFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  ReadFixture(const ReadFixture&) = delete;
  ReadFixture& operator=(const ReadFixture&) = delete;

  std::string write(const std::string& name, const std::uint8_t* data, std::size_t size) const {
    const std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) std::abort();
    return path;
  }
};

inline const ReadFixture& read_fixture() {
  static const ReadFixture f;
  return f;
}

// Exercises what the pipeline does with a FeatureSet it has read: every
// feature's fields, and, as for a study area (pipeline/study.cpp, read_area),
// the union of its polygons when none needed a repair.
inline void use_features(const FeatureSet& fs) {
  std::size_t n = 0;
  for (const auto& f : fs.features) n += f.attributes.size() + f.wkb.size() + (f.time_s ? 1 : 0);
  (void)n;
  (void)fs.dropped.total();
  if (fs.kind == GeomKind::polygon && !fs.features.empty() && fs.repaired.reasons.empty()) {
    std::vector<io::Wkb> parts;
    for (const auto& f : fs.features) parts.push_back(f.wkb);
    const io::Area a = io::Area::from_parts(parts, "fuzz area");
    (void)a.area();
    (void)a.bounds();
  }
}

// The incidents of config/sample-city.toml: a CSV with longitude, latitude and
// a date column in the format '%Y-%m-%d %H:%M', read by the csv layer kind.
inline Outcome csv_incidents(const std::uint8_t* data, std::size_t size) {
  const ReadFixture& fx = read_fixture();
  try {
    layers::LayerSource src;
    src.where = "incidents";
    src.kind = "csv";
    src.path = fx.write("incidents.csv", data, size);
    src.x = "longitude";
    src.y = "latitude";
    src.crs = "EPSG:4326";
    src.date_column = "date";
    src.date_format = "%Y-%m-%d %H:%M";
    const layers::ReadContext ctx{fx.target, &fx.area, &fx.area};
    use_features(layers::layer_kind(src.kind, src.where).read(src, ctx));
    return Outcome::accepted;
  } catch (const Error&) {
    return Outcome::refused;
  }
}

// Incidents (or any layer) as GeoJSON through the vector layer kind (OGR, any
// driver that recognises the bytes), with an ISO date property; then, as the
// study area would be, the read again without a clip, and its polygons unioned.
inline Outcome geojson_incidents(const std::uint8_t* data, std::size_t size) {
  const ReadFixture& fx = read_fixture();
  Outcome result = Outcome::accepted;
  layers::LayerSource src;
  src.where = "incidents";
  src.kind = "vector";
  src.path = fx.write("incidents.geojson", data, size);
  src.date_column = "date";
  src.date_format = "iso";
  try {
    const layers::ReadContext ctx{fx.target, &fx.area, &fx.area};
    use_features(layers::layer_kind(src.kind, src.where).read(src, ctx));
  } catch (const Error&) {
    result = Outcome::refused;
  }
  try {
    src.where = "study.area";
    src.date_column.clear();
    const layers::ReadContext ctx{fx.target, nullptr, nullptr};
    use_features(layers::layer_kind(src.kind, src.where).read(src, ctx));
  } catch (const Error&) {
    result = Outcome::refused;
  }
  return result;
}

// io::Area::from_parts on every polygon read from the bytes, repaired ones
// included: its contract is a DataError for anything not polygonal or not
// valid. The pipeline only passes unrepaired polygons (read_area refuses a
// study area that needed a repair), so this is not in the fuzz target, whose
// path follows the pipeline; the corpus replay test runs it on every GeoJSON
// input (found-makevalid-collection-leak.geojson: see README).
inline Outcome area_from_all_parts(const std::uint8_t* data, std::size_t size) {
  const ReadFixture& fx = read_fixture();
  try {
    layers::LayerSource src;
    src.where = "study.area";
    src.kind = "vector";
    src.path = fx.write("area.geojson", data, size);
    const layers::ReadContext ctx{fx.target, nullptr, nullptr};
    const FeatureSet fs = layers::layer_kind(src.kind, src.where).read(src, ctx);
    std::vector<io::Wkb> parts;
    for (const auto& f : fs.features)
      if (fs.kind == GeomKind::polygon) parts.push_back(f.wkb);
    if (parts.empty()) return Outcome::refused;
    (void)io::Area::from_parts(parts, "fuzz area").area();
    return Outcome::accepted;
  } catch (const Error&) {
    return Outcome::refused;
  }
}

}  // namespace rtm::fuzz
