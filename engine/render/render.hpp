#pragma once
// Maps of a run folder: the PNG overview, the one-page briefing PDF and XYZ
// tiles (METHOD.md §8). The only public face of render/: no Mapnik or Cairo
// types. Every function throws RenderError (what cannot be drawn and why) or
// OutputError (what cannot be written), and writes its file under a temporary
// name first, so a failure never leaves a half-written product.
#include <cstddef>
#include <string>
#include <vector>

namespace rtm::render {

// internal: law enforcement only, may show incident points (styles/internal.xml).
// public: only the risk classes, the places and the study boundary
// (styles/public.xml); never incident locations.
enum class Audience { internal, public_ };
const char* audience_name(Audience a);  // "internal" / "public"

struct StyleOptions {
  Audience audience = Audience::public_;
  std::string styles_dir;  // read public.xml/internal.xml/palette.txt here; empty: the built-in copies
  std::string save_xml;    // also write the filled-in Mapnik XML here (for review); empty: no
};

struct MapOptions {
  StyleOptions style;
  unsigned width_px = 1600;
  unsigned height_px = 0;  // 0: from the study area's aspect ratio
  double dpi = 96;         // symbol and text sizes scale with dpi / 90.7 (Mapnik's 0.28 mm pixel)
  bool decorations = true; // legend, scale bar and north arrow over the map
};

// Writes a PNG of the whole study area (Mapnik's AGG renderer).
void render_map_png(const std::string& run_dir, const std::string& out_png, const MapOptions& options);

enum class Paper { letter, a4 };

struct BriefingOptions {
  StyleOptions style;
  Paper paper = Paper::letter;
  bool landscape = false;
  std::string previous_run;  // a previous run folder: adds the change since then
  // When true, a previous run that is missing, unreadable or of the same as-of
  // date is ignored (the change is then "not shown"); when false, an error.
  bool previous_optional = false;
  std::string distribution;  // the distribution line; empty: the default for the audience
  std::size_t max_places = 10;  // rows of the places table (fewer when the page is short)
};

// How the page was laid out: every text is fitted to its box (shrunk, then
// ellipsized); rendering fails (RenderError) rather than let one overflow.
struct BriefingReport {
  double page_w_pt = 0, page_h_pt = 0;
  double map_w_pt = 0, map_h_pt = 0;
  std::size_t table_rows = 0;
  std::size_t texts = 0;       // text boxes drawn
  std::size_t shrunk = 0;      // drawn smaller than their preferred size
  std::size_t ellipsized = 0;  // cut with "…"
  bool has_change = false;     // the change since a previous run is shown
};

// Writes the one-page briefing PDF (Mapnik's Cairo renderer on a Cairo PDF surface).
BriefingReport render_briefing_pdf(const std::string& run_dir, const std::string& out_pdf,
                                   const BriefingOptions& options);

struct TileOptions {
  StyleOptions style;
  int min_zoom = 10;
  int max_zoom = 14;
  unsigned metatile = 8;     // render metatile x metatile tiles at once and cut them
  std::size_t threads = 0;   // 0: all cores
  bool mbtiles = true;       // also write DIR/tiles.mbtiles
  bool viewer = true;        // write DIR/index.html with Leaflet (when the Leaflet files are found)
  std::string leaflet_dir;   // where leaflet.js and leaflet.css are; empty: look beside the rtm binary
  // Shard shard_index of shard_count: only the metatiles k with k % count ==
  // index (in order of zoom, row, column), written with a shard.json and no
  // MBTiles; merge_tile_shards assembles the shards.
  std::size_t shard_index = 0;
  std::size_t shard_count = 1;
};

struct TileSummary {
  std::size_t tiles = 0;
  std::size_t metatiles = 0;
  double seconds = 0;
  std::vector<std::string> written;
  std::vector<std::string> warnings;
};

// Writes DIR/{z}/{x}/{y}.png (web mercator XYZ) for the study area.
TileSummary render_tiles(const std::string& run_dir, const std::string& out_dir, const TileOptions& options);

// Assembles the folders of every shard of one render (render_tiles with
// shard_count > 1) into out_dir: the XYZ tiles, tiles.mbtiles and the viewer,
// as the render without shards writes them. Throws RenderError when a shard is
// missing, given twice, of another render, or incomplete.
TileSummary merge_tile_shards(const std::vector<std::string>& shard_dirs, const std::string& out_dir);

}  // namespace rtm::render
