// rtm render tiles: XYZ PNG tiles in web mercator for a zoom range, rendered
// as metatiles on every core (one Mapnik map per thread), written as a
// directory DIR/{z}/{x}/{y}.png and as DIR/tiles.mbtiles, with an offline
// Leaflet viewer DIR/index.html whose places open their narrative and leverage.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "io/output_dir.hpp"
#include "render/map_draw.hpp"
#include "render/place_change.hpp"
#include "render/render.hpp"
#include "render/run_info.hpp"
#include "render/style_template.hpp"

#ifndef RTM_LEAFLET_DIR
#define RTM_LEAFLET_DIR ""
#endif

namespace fs = std::filesystem;

namespace rtm::render {

namespace {

constexpr double kHalfWorld = 20037508.342789244;  // web mercator: pi x 6378137 m
constexpr unsigned kTilePx = 256;
constexpr const char* kShardManifest = "shard.json";  // in a shard's folder (rtm render tiles --shard)

struct TileRange {
  int z;
  long x0, x1, y0, y1;  // inclusive
};

TileRange tile_range(int z, const Extent& m) {
  const long n = 1L << z;
  const double span = 2 * kHalfWorld / static_cast<double>(n);
  auto clamp = [&](double v) { return std::clamp(static_cast<long>(std::floor(v)), 0L, n - 1); };
  return {z, clamp((m.minx + kHalfWorld) / span), clamp((m.maxx + kHalfWorld) / span - 1e-9),
          clamp((kHalfWorld - m.maxy) / span), clamp((kHalfWorld - m.miny) / span - 1e-9)};
}

struct Job {
  int z;
  long x0, y0;       // first tile
  unsigned cols, rows;
};

struct Tile {
  int z;
  long x, y;
  std::string png;
};

std::vector<Job> metatile_jobs(const std::vector<TileRange>& ranges, unsigned meta) {
  std::vector<Job> jobs;
  for (const auto& r : ranges)
    for (long my = r.y0 / meta; my <= r.y1 / meta; ++my)
      for (long mx = r.x0 / meta; mx <= r.x1 / meta; ++mx) {
        const long x0 = std::max(r.x0, mx * static_cast<long>(meta)),
                   x1 = std::min(r.x1, (mx + 1) * static_cast<long>(meta) - 1);
        const long y0 = std::max(r.y0, my * static_cast<long>(meta)),
                   y1 = std::min(r.y1, (my + 1) * static_cast<long>(meta) - 1);
        jobs.push_back({r.z, x0, y0, static_cast<unsigned>(x1 - x0 + 1), static_cast<unsigned>(y1 - y0 + 1)});
      }
  return jobs;
}

Extent job_extent(const Job& j) {
  const double span = 2 * kHalfWorld / static_cast<double>(1L << j.z);
  return {-kHalfWorld + static_cast<double>(j.x0) * span, kHalfWorld - static_cast<double>(j.y0 + j.rows) * span,
          -kHalfWorld + static_cast<double>(j.x0 + j.cols) * span, kHalfWorld - static_cast<double>(j.y0) * span};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw OutputError("cannot write " + path.string());
}

// SQLite handle and statement, closed on every path.
struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string why = err ? err : "unknown error";
      sqlite3_free(err);
      throw OutputError("MBTiles: " + why);
    }
  }
};

void write_mbtiles(const std::string& path, const std::vector<Tile>& tiles, const std::map<std::string, std::string>& meta) {
  std::remove(path.c_str());
  Db d;
  if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    throw OutputError("cannot create " + path + ": " + (d.db ? sqlite3_errmsg(d.db) : "out of memory"));
  d.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
  d.exec("CREATE TABLE metadata (name TEXT, value TEXT);");
  d.exec("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);");
  d.exec("BEGIN;");
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(d.db, "INSERT INTO metadata VALUES (?, ?);", -1, &st, nullptr);
  for (const auto& [k, v] : meta) {
    sqlite3_bind_text(st, 1, k.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, v.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_prepare_v2(d.db, "INSERT INTO tiles VALUES (?, ?, ?, ?);", -1, &st, nullptr);
  for (const auto& t : tiles) {
    sqlite3_bind_int(st, 1, t.z);
    sqlite3_bind_int64(st, 2, t.x);
    sqlite3_bind_int64(st, 3, (1L << t.z) - 1 - t.y);  // MBTiles rows count from the south (TMS)
    sqlite3_bind_blob(st, 4, t.png.data(), static_cast<int>(t.png.size()), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
      const std::string why = sqlite3_errmsg(d.db);
      sqlite3_finalize(st);
      throw OutputError("MBTiles: cannot insert a tile: " + why);
    }
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  d.exec("COMMIT;");
  d.exec("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);");
  d.exec("CREATE UNIQUE INDEX name ON metadata (name);");
}

std::string js_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\u0022"; break;
      case '\'': out += "\\u0027"; break;
      case '\\': out += "\\\\"; break;
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

// places.js: the places as GeoJSON (longitude/latitude), with what their popups show.
std::string places_js(const RunInfo& run) {
  const auto shapes = read_place_shapes(run.run_dir + "/places.gpkg");
  const auto leverage = read_leverage(run.run_dir + "/places.gpkg");
  std::map<int, const PlaceRow*> rows;
  for (const auto& p : run.places) rows[p.rank] = &p;
  nlohmann::json fc = {{"type", "FeatureCollection"}, {"features", nlohmann::json::array()}};
  for (const auto& s : shapes) {
    nlohmann::json polys = nlohmann::json::array();
    for (const auto& part : s.parts) {
      nlohmann::json rings = nlohmann::json::array();
      for (const auto& ring : part) {
        auto pts = ring;
        to_lonlat(run, pts);
        nlohmann::json coords = nlohmann::json::array();
        for (const auto& [lon, lat] : pts)
          coords.push_back({std::round(lon * 1e6) / 1e6, std::round(lat * 1e6) / 1e6});
        rings.push_back(coords);
      }
      polys.push_back(rings);
    }
    nlohmann::json props = {{"rank", s.rank}};
    const auto it = rows.find(s.rank);
    if (it != rows.end()) {
      const PlaceRow& p = *it->second;
      // The features its narrative names, by leverage (largest first), five at most.
      std::vector<std::pair<double, const FeatureRef*>> lev;
      for (const auto& f : p.features) {
        const auto l = leverage.find({f.factor, f.feature_id});
        if (l != leverage.end() && l->second > 0) lev.emplace_back(l->second, &f);
      }
      std::stable_sort(lev.begin(), lev.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      nlohmann::json lj = nlohmann::json::array();
      for (std::size_t i = 0; i < lev.size() && i < 5; ++i)
        lj.push_back({{"label", lev[i].second->label}, {"factor", lev[i].second->factor}, {"leverage", lev[i].first}});
      props.update({{"priority", p.priority},
                    {"class", p.risk_class},
                    {"area_km2", p.area_km2},
                    {"mean_risk", p.mean_risk},
                    {"observed_recent", p.observed_recent},
                    {"recent_weeks", run.recent_weeks},
                    {"busiest", p.busiest_days + (p.busiest_hours.empty() ? "" : "; " + p.busiest_hours)},
                    {"narrative", p.narrative},
                    {"leverage", lj},
                    {"caveat", run.leverage_caveat}});
    }
    fc["features"].push_back({{"type", "Feature"},
                              {"properties", props},
                              {"geometry", {{"type", "MultiPolygon"}, {"coordinates", polys}}}});
  }
  // JSON is valid JavaScript; "</" is escaped so the data can never close a script element.
  std::string js = fc.dump();
  for (auto pos = js.find("</"); pos != std::string::npos; pos = js.find("</", pos + 3)) js.replace(pos, 2, "<\\/");
  return "// rtm: the high-risk places (no incident locations).\nvar RTM_PLACES = " + js + ";\n";
}

// The viewer legend's rows after the classes: the model's factors and the
// context outlines, as a JavaScript array of [colour, symbol, text, dash].
std::string legend_extra_js(const RunInfo& run, const Palette& palette) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < run.factors.size(); ++i) {
    const MapFactor& f = run.factors[i];
    const FactorSymbol sym = factor_symbol(palette, i);
    const std::string symbol = f.geometry == "line"      ? "line"
                               : f.geometry == "polygon" ? "area"
                               : sym.ring                ? "ring"
                                                         : "dot";
    rows.push_back({sym.colour, symbol, sentence_case(humanize(f.name)) + (f.protective ? " (protective)" : "")});
  }
  if (run.has_context) rows.push_back({palette.at("context_line"), "line", "Districts / neighbourhoods", "dashed"});
  std::string js = rows.dump();
  for (auto pos = js.find("</"); pos != std::string::npos; pos = js.find("</", pos + 3)) js.replace(pos, 2, "<\\/");
  return js;
}

fs::path find_leaflet(const std::string& hint) {
  std::vector<fs::path> dirs;
  if (!hint.empty()) dirs.emplace_back(hint);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path() / "leaflet");
    dirs.push_back(exe.parent_path() / "../share/rtm/leaflet");
  }
  if (std::string(RTM_LEAFLET_DIR).size()) dirs.emplace_back(RTM_LEAFLET_DIR);
  for (const auto& d : dirs)
    if (fs::exists(d / "leaflet.js") && fs::exists(d / "leaflet.css")) return d;
  return {};
}

}  // namespace

namespace {

// A tile folder staged as a hidden sibling of DIR and moved into place only
// when complete; removed unless committed.
class StagedFolder {
 public:
  explicit StagedFolder(const std::string& out_dir) {
    out_ = fs::absolute(out_dir).lexically_normal();
    if (out_.filename().empty()) out_ = out_.parent_path();
    parent_ = out_.parent_path();
    std::error_code ec;
    fs::create_directories(parent_, ec);
    pid_ = std::to_string(::getpid());
    stage_ = parent_ / ("." + out_.filename().string() + ".tmp-" + pid_);
    fs::remove_all(stage_, ec);
    if (!fs::create_directories(stage_, ec))
      throw OutputError("cannot create " + stage_.string() + ": " + ec.message());
  }
  ~StagedFolder() {
    std::error_code e;
    if (!committed_) fs::remove_all(stage_, e);
  }
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;
  const fs::path& path() const { return stage_; }
  const fs::path& out() const { return out_; }
  // Replaces DIR (if any) by the staged folder.
  void commit() {
    std::error_code ec;
    const fs::path old = parent_ / ("." + out_.filename().string() + ".old-" + pid_);
    if (fs::exists(out_)) {
      fs::rename(out_, old, ec);
      if (ec) throw OutputError("cannot replace " + out_.string() + ": " + ec.message());
    }
    fs::rename(stage_, out_, ec);
    if (ec) {
      std::error_code e2;
      if (fs::exists(old)) fs::rename(old, out_, e2);
      throw OutputError("cannot move the tiles into " + out_.string() + ": " + ec.message());
    }
    committed_ = true;
    fs::remove_all(old, ec);
  }

 private:
  fs::path out_, parent_, stage_;
  std::string pid_;
  bool committed_ = false;
};

void sort_tiles(std::vector<Tile>& tiles) {
  std::sort(tiles.begin(), tiles.end(),
            [](const Tile& a, const Tile& b) { return std::tie(a.z, a.x, a.y) < std::tie(b.z, b.x, b.y); });
}

}  // namespace

TileSummary render_tiles(const std::string& run_dir, const std::string& out_dir, const TileOptions& o) {
  if (o.min_zoom < 0 || o.max_zoom > 20 || o.min_zoom > o.max_zoom)
    throw UsageError("zoom levels must satisfy 0 <= min <= max <= 20");
  if (o.metatile < 1 || o.metatile > 16) throw UsageError("the metatile size must be 1 to 16");
  if (o.shard_count < 1 || o.shard_index >= o.shard_count)
    throw UsageError("a shard is i/n with 0 <= i < n, not " + std::to_string(o.shard_index) + "/" +
                     std::to_string(o.shard_count));
  const bool sharded = o.shard_count > 1;
  const auto t0 = std::chrono::steady_clock::now();
  const RunInfo run = read_run_info(run_dir);
  const Palette palette = load_palette(o.style.styles_dir);
  const std::string xml = map_xml(run, o.style, "epsg:3857", 10, true);
  if (!o.style.save_xml.empty()) io::write_text_file(o.style.save_xml, xml);
  const Extent merc = to_web_mercator(run, study_extent(run, 0.01));

  std::vector<TileRange> ranges;
  for (int z = o.min_zoom; z <= o.max_zoom; ++z) ranges.push_back(tile_range(z, merc));
  const std::vector<Job> all_jobs = metatile_jobs(ranges, o.metatile);
  // A shard takes every n-th metatile of the list (ordered by zoom, then row
  // and column): each zoom's metatiles are dealt round-robin, so every shard
  // gets its share of each zoom, within one metatile.
  std::vector<Job> jobs;
  for (std::size_t k = 0; k < all_jobs.size(); ++k)
    if (k % o.shard_count == o.shard_index) jobs.push_back(all_jobs[k]);

  StagedFolder staged(out_dir);
  const fs::path& stage = staged.path();

  // One Mapnik map per thread; metatiles dealt out one at a time.
  std::size_t threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::max<std::size_t>(1, std::min(threads, jobs.size()));
  std::vector<std::vector<Tile>> done(jobs.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex mutex;
  Progress progress("tiles", static_cast<std::int64_t>(jobs.size()));
  auto work = [&] {
    try {
      MercatorRenderer renderer(xml, 64);
      for (std::size_t i = next++; i < jobs.size(); i = next++) {
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (error) return;
        }
        const Job& j = jobs[i];
        auto pngs = renderer.render_tiles(j.cols, j.rows, kTilePx, job_extent(j));
        for (unsigned r = 0; r < j.rows; ++r)
          for (unsigned c = 0; c < j.cols; ++c) {
            std::string& png = pngs[static_cast<std::size_t>(r) * j.cols + c];
            if (png.empty()) continue;
            const long x = j.x0 + c, y = j.y0 + r;
            const fs::path dir = stage / std::to_string(j.z) / std::to_string(x);
            std::error_code e;
            fs::create_directories(dir, e);
            write_bytes(dir / (std::to_string(y) + ".png"), png);
            done[i].push_back({j.z, x, y, std::move(png)});
          }
        std::lock_guard<std::mutex> lock(mutex);
        progress.advance();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  if (!jobs.empty()) work();
  for (auto& t : pool) t.join();
  progress.finish();
  if (error) std::rethrow_exception(error);

  TileSummary summary;
  summary.metatiles = jobs.size();
  std::vector<Tile> tiles;
  for (auto& d : done)
    for (auto& t : d) tiles.push_back(std::move(t));
  sort_tiles(tiles);
  summary.tiles = tiles.size();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Bounds in longitude/latitude for MBTiles and the viewer.
  std::vector<std::pair<double, double>> corners = {{run.west, run.south}, {run.east, run.north},
                                                    {run.west, run.north}, {run.east, run.south}};
  to_lonlat(run, corners);
  double west = 180, south = 90, east = -180, north = -90;
  for (const auto& [lon, lat] : corners) {
    west = std::min(west, lon);
    east = std::max(east, lon);
    south = std::min(south, lat);
    north = std::max(north, lat);
  }
  const bool internal = o.style.audience == Audience::internal;
  const std::string marking = internal ? "LAW ENFORCEMENT SENSITIVE" : "PUBLIC";
  const std::string name = sentence_case(run.crime_type) + " risk" + (run.study_name.empty() ? "" : ": " + run.study_name);

  const std::map<std::string, std::string> meta = {
      {"name", name},
      {"format", "png"},
      {"type", "overlay"},
      {"version", "1"},
      {"minzoom", std::to_string(o.min_zoom)},
      {"maxzoom", std::to_string(o.max_zoom)},
      {"bounds", fmt_fixed(west, 6) + "," + fmt_fixed(south, 6) + "," + fmt_fixed(east, 6) + "," + fmt_fixed(north, 6)},
      {"center", fmt_fixed((west + east) / 2, 6) + "," + fmt_fixed((south + north) / 2, 6) + "," + std::to_string(o.min_zoom)},
      {"description", marking + ". Risk classes and high-risk places of " + run.crime_type + ", as of " + run.as_of +
                          " (rtm " + kRtmVersion + ")."},
      {"attribution", marking + " · rtm"}};
  // A shard leaves the MBTiles file to `rtm render tiles-merge`, which writes
  // it from the metadata recorded here.
  if (o.mbtiles && !sharded) write_mbtiles((stage / "tiles.mbtiles").string(), tiles, meta);

  bool viewer_written = false;
  if (o.viewer) {
    const fs::path leaflet = find_leaflet(o.leaflet_dir);
    if (leaflet.empty()) {
      summary.warnings.push_back(
          "index.html not written: Leaflet (leaflet.js, leaflet.css) not found; give --leaflet DIR (npm install leaflet: "
          "node_modules/leaflet/dist)");
    } else {
      fs::create_directories(stage / "leaflet");
      for (const char* f : {"leaflet.js", "leaflet.css"}) fs::copy_file(leaflet / f, stage / "leaflet" / f);
      if (fs::is_directory(leaflet / "images")) fs::copy(leaflet / "images", stage / "leaflet" / "images");
      io::write_text_file((stage / "places.js").string(), places_js(run));
      std::map<std::string, std::string> v;
      for (const auto& [k, c] : palette) v[k] = c;
      v["title"] = xml_escape(name + " (" + marking + ")");
      v["audience"] = internal ? "internal" : "public";
      v["marking"] = marking;
      v["attribution"] = js_escape(marking + " · " + name + ", as of " + run.as_of + " · rtm " + kRtmVersion);
      v["legend_title"] = js_escape("Risk of " + run.crime_type);
      v["legend_extra"] = legend_extra_js(run, palette);
      v["min_zoom"] = std::to_string(o.min_zoom);
      v["max_zoom"] = std::to_string(o.max_zoom);
      v["west"] = fmt_fixed(west, 6);
      v["south"] = fmt_fixed(south, 6);
      v["east"] = fmt_fixed(east, 6);
      v["north"] = fmt_fixed(north, 6);
      const std::string html = with_context("while filling viewer.html", [&] {
        return fill_template(style_file("viewer.html", o.style.styles_dir), v);
      });
      io::write_text_file((stage / "index.html").string(), html);
      viewer_written = true;
    }
  }

  if (sharded) {
    // What the merge checks (every shard of the same render, each once) and
    // what it needs to write the MBTiles file as a single run would.
    nlohmann::json m = {{"format", "rtm-tile-shard"},
                        {"shard", o.shard_index},
                        {"shards", o.shard_count},
                        {"tiles", tiles.size()},
                        {"metatiles", jobs.size()},
                        {"run_dir", run.run_dir},
                        {"render", {{"as_of", run.as_of},
                                    {"created_utc", run.created_utc},
                                    {"audience", audience_name(o.style.audience)},
                                    {"min_zoom", o.min_zoom},
                                    {"max_zoom", o.max_zoom},
                                    {"metatile", o.metatile},
                                    {"metatiles_total", all_jobs.size()},
                                    {"styles_dir", o.style.styles_dir},
                                    {"mbtiles", o.mbtiles},
                                    {"viewer", viewer_written},
                                    {"mbtiles_metadata", meta}}}};
    io::write_text_file((stage / kShardManifest).string(), m.dump(2) + "\n");
  }

  staged.commit();
  const fs::path& out = staged.out();
  for (const auto& f : {"tiles.mbtiles", "index.html", kShardManifest})
    if (fs::exists(out / f)) summary.written.push_back((out / f).string());
  return summary;
}

namespace {

nlohmann::json read_shard_manifest(const fs::path& dir) {
  const fs::path p = dir / kShardManifest;
  std::ifstream in(p);
  if (!in)
    throw RenderError(dir.string() + " is not a tile shard: it has no " + kShardManifest +
                      " (written by `rtm render tiles RUN_DIR --shard i/n`)");
  nlohmann::json m;
  try {
    in >> m;
  } catch (const std::exception& e) {
    throw RenderError(p.string() + " is not valid JSON: " + e.what());
  }
  if (!m.is_object() || m.value("format", "") != "rtm-tile-shard" || !m.contains("render") ||
      !m["shard"].is_number_unsigned() || !m["shards"].is_number_unsigned() || !m["tiles"].is_number_unsigned())
    throw RenderError(p.string() + " is not a tile shard manifest (expected \"format\": \"rtm-tile-shard\" with shard, "
                                   "shards, tiles and render)");
  return m;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw RenderError("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TileSummary merge_tile_shards(const std::vector<std::string>& shard_dirs, const std::string& out_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  if (shard_dirs.empty()) throw UsageError("tiles-merge needs the shard folders");
  std::vector<nlohmann::json> manifests;
  for (const auto& d : shard_dirs) manifests.push_back(read_shard_manifest(d));
  const nlohmann::json& first = manifests.front();
  const std::size_t n = first["shards"].get<std::size_t>();
  std::vector<int> seen(n, -1);
  for (std::size_t k = 0; k < manifests.size(); ++k) {
    const auto& m = manifests[k];
    if (m["shards"].get<std::size_t>() != n || m["render"] != first["render"])
      throw RenderError(shard_dirs[k] + " is a shard of another render than " + shard_dirs[0] +
                        " (run, zooms, metatile size, audience, styles or shard count differ)");
    const std::size_t i = m["shard"].get<std::size_t>();
    if (i >= n) throw RenderError(shard_dirs[k] + ": shard " + std::to_string(i) + " of " + std::to_string(n) + "?");
    if (seen[i] >= 0)
      throw RenderError("shard " + std::to_string(i) + "/" + std::to_string(n) + " given twice: " + shard_dirs[seen[i]] +
                        " and " + shard_dirs[k]);
    seen[i] = static_cast<int>(k);
  }
  std::string missing;
  for (std::size_t i = 0; i < n; ++i)
    if (seen[i] < 0) missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(n);
  if (!missing.empty()) throw RenderError("tiles-merge: missing shard(s) " + missing + " of this render");

  StagedFolder staged(out_dir);
  const fs::path& stage = staged.path();
  std::vector<Tile> tiles;
  std::size_t metatiles = 0;
  for (std::size_t k = 0; k < shard_dirs.size(); ++k) {
    const fs::path dir(shard_dirs[k]);
    std::size_t count = 0;
    for (const auto& ze : fs::directory_iterator(dir)) {
      if (!ze.is_directory() || !all_digits(ze.path().filename().string())) continue;
      for (const auto& xe : fs::directory_iterator(ze.path())) {
        if (!xe.is_directory() || !all_digits(xe.path().filename().string())) continue;
        for (const auto& ye : fs::directory_iterator(xe.path())) {
          if (ye.path().extension() != ".png" || !all_digits(ye.path().stem().string())) continue;
          const fs::path rel = fs::relative(ye.path(), dir);
          const fs::path target = stage / rel;
          if (fs::exists(target))
            throw RenderError("tile " + rel.string() + " is in more than one shard (again in " + shard_dirs[k] + ")");
          fs::create_directories(target.parent_path());
          Tile t{std::stoi(ze.path().filename().string()), std::stol(xe.path().filename().string()),
                 std::stol(ye.path().stem().string()), read_bytes(ye.path())};
          write_bytes(target, t.png);
          tiles.push_back(std::move(t));
          ++count;
        }
      }
    }
    if (count != manifests[k]["tiles"].get<std::size_t>())
      throw RenderError(shard_dirs[k] + " holds " + std::to_string(count) + " tiles, its " + kShardManifest + " says " +
                        std::to_string(manifests[k]["tiles"].get<std::size_t>()) + ": an incomplete copy?");
    metatiles += manifests[k].value("metatiles", std::size_t{0});
  }
  sort_tiles(tiles);
  const nlohmann::json& render = first["render"];
  if (render.value("mbtiles", true)) {
    std::map<std::string, std::string> meta;
    for (const auto& [k, v] : render["mbtiles_metadata"].items()) meta[k] = v.get<std::string>();
    write_mbtiles((stage / "tiles.mbtiles").string(), tiles, meta);
  }
  // The viewer: every shard wrote the same one; shard 0's is copied.
  if (render.value("viewer", false)) {
    const fs::path src(shard_dirs[static_cast<std::size_t>(seen[0])]);
    const std::string html = read_bytes(src / "index.html");
    for (const auto& d : shard_dirs)
      if (read_bytes(fs::path(d) / "index.html") != html)
        throw RenderError(d + "/index.html differs from " + src.string() + "/index.html: shards of different renders?");
    io::write_text_file((stage / "index.html").string(), html);
    io::write_text_file((stage / "places.js").string(), read_bytes(src / "places.js"));
    fs::copy(src / "leaflet", stage / "leaflet", fs::copy_options::recursive);
  }
  staged.commit();
  TileSummary summary;
  summary.tiles = tiles.size();
  summary.metatiles = metatiles;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& f : {"tiles.mbtiles", "index.html"})
    if (fs::exists(staged.out() / f)) summary.written.push_back((staged.out() / f).string());
  return summary;
}

}  // namespace rtm::render
