// Maps (issue 6): styles, text fitting, scale bars, place change, and the
// sample city rendered to PNG and PDF in every paper size and orientation,
// checked against committed reference images (tests/render/README.md says how
// to regenerate them when a style changes on purpose).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <cmath>
#include <algorithm>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "pipeline/render_step.hpp"
#include "pipeline/run.hpp"
#include "render/image_check.hpp"
#include "render/place_change.hpp"
#include "render/render.hpp"
#include "render/run_info.hpp"
#include "render/scale.hpp"
#include "render/style_template.hpp"

namespace fs = std::filesystem;
using namespace rtm::render;

namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("rtm-render-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    if (std::getenv("RTM_KEEP_RENDERS")) std::fprintf(stderr, "kept %s\n", path_.c_str());
    else fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

// The sample city, run once per process, with its creation time fixed so that
// renders are comparable with the references.
const std::string& sample_run() {
  static TempDir dir;
  static std::string run;
  if (run.empty()) {
    run = dir / "run";
    rtm::pipeline::RunOptions o;
    o.study_file = RTM_SOURCE_DIR "/config/sample-city.toml";
    o.out_dir = run;
    rtm::pipeline::run_study(o);
    nlohmann::json report;
    {
      std::ifstream in(run + "/report.json");
      in >> report;
    }
    report["provenance"]["created_utc"] = "2000-01-01T00:00:00Z";
    std::ofstream(run + "/report.json") << report.dump(2) << "\n";
  }
  return run;
}

const std::string kReferenceDir = RTM_SOURCE_DIR "/tests/render/reference";

// Compares a render with its reference (or replaces the reference when
// RTM_UPDATE_REFERENCES is set). Allowed: 0.5 % of pixels off by more than 24
// in a channel (antialiasing and font hinting noise).
void check_reference(const std::string& rendered, const std::string& name) {
  const std::string ref = kReferenceDir + "/" + name;
  if (std::getenv("RTM_UPDATE_REFERENCES")) {
    fs::create_directories(kReferenceDir);
    fs::copy_file(rendered, ref, fs::copy_options::overwrite_existing);
    WARN("updated the reference " << ref);
    return;
  }
  INFO("reference " << ref << " (regenerate: tests/render/README.md)");
  REQUIRE(fs::exists(ref));
  const ImageDiff d = png_diff(rendered, ref, 24);
  CHECK(d.same_size);
  CHECK(d.changed_share < 0.005);
}

bool have_pdftoppm() { return std::system("pdftoppm -v >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("the risk-class ramp stays ordered and apart in greyscale", "[render]") {
  const Palette p = load_palette("");
  const double g0 = grey_of(p.at("class_0")), g1 = grey_of(p.at("class_1")), g2 = grey_of(p.at("class_2")),
               g3 = grey_of(p.at("class_3"));
  CHECK(g0 - g1 >= 25);
  CHECK(g1 - g2 >= 25);
  CHECK(g2 - g3 >= 25);
  // Not alarm red: the highest class is not a red hue (its blue exceeds its red).
  const Rgb top = parse_rgb(p.at("class_3"));
  CHECK(top.b > top.r);
  // The incident symbol colour is used by nothing else, so renders can be searched for it.
  for (const auto& [k, v] : p)
    if (k != "incident") CHECK(v != p.at("incident"));
}

TEST_CASE("public and internal styles", "[render]") {
  const std::string pub = style_file("public.xml", ""), internal = style_file("internal.xml", "");
  CHECK_FALSE(mentions_incidents(pub));
  CHECK(mentions_incidents(internal));
  CHECK(mentions_incidents("<Layer><Parameter name=\"layer\">incidents</Parameter></Layer>"));
  CHECK_FALSE(mentions_incidents("<!-- never the incidents table --><Map/>"));

  RunInfo run;
  run.run_dir = "/data/run & co";
  run.crs = "EPSG:26971";
  run.recent_start = "2017-11-06";
  StyleOptions o;
  const std::string xml = map_xml(run, o, "", 10, true);
  CHECK(xml.find("{{") == std::string::npos);
  CHECK(xml.find("/data/run &amp; co/classes.tif") != std::string::npos);
  // The public map reads layers.gpkg once, for the study boundary only.
  std::size_t n = 0;
  for (auto pos = xml.find("layers.gpkg</Parameter>"); pos != std::string::npos;
       pos = xml.find("layers.gpkg</Parameter>", pos + 1))
    ++n;
  CHECK(n == 1);
  CHECK(xml.find("<Parameter name=\"layer\">study_area</Parameter>") != std::string::npos);
  CHECK(xml.find(">incidents<") == std::string::npos);

  o.audience = Audience::internal;
  const std::string ixml = map_xml(run, o, "epsg:3857", 5, true);
  CHECK(ixml.find(">incidents<") != std::string::npos);
  CHECK(ixml.find("'2017-11-06'") != std::string::npos);
  CHECK(ixml.find("<Map srs=\"epsg:3857\"") != std::string::npos);

  // With the model's factors and context outlines: the public map reads
  // layers.gpkg for the boundary, each factor's table and the context table,
  // and still never the incidents.
  RunInfo rich = run;
  rich.factors = {{"liquor_retail", "point", false}, {"bus_routes", "line", false}, {"parks", "polygon", true}};
  rich.has_context = true;
  for (const Audience a : {Audience::public_, Audience::internal}) {
    StyleOptions so;
    so.audience = a;
    const std::string rx = map_xml(rich, so, "", 10, false);
    INFO(audience_name(a));
    CHECK(rx.find("{{") == std::string::npos);
    std::vector<std::string> tables;
    const std::string key = "<Parameter name=\"layer\">";
    for (auto pos = rx.find(key); pos != std::string::npos; pos = rx.find(key, pos + 1)) {
      const auto start = pos + key.size();
      tables.push_back(rx.substr(start, rx.find('<', start) - start));
    }
    for (const char* t : {"study_area", "liquor_retail", "bus_routes", "parks", "context"}) {
      INFO(t);
      CHECK(std::count(tables.begin(), tables.end(), t) >= 1);
    }
    CHECK(std::count(tables.begin(), tables.end(), "incidents") == (a == Audience::internal ? 1 : 0));
    if (a == Audience::public_) CHECK(rx.find(">incidents<") == std::string::npos);
    CHECK(rx.find("[label]") != std::string::npos);  // the context labels
  }
  // Without context, no context layer (its table would not exist).
  rich.has_context = false;
  CHECK(map_xml(rich, StyleOptions{}, "", 10, true).find(">context<") == std::string::npos);
  // A factor named like the incidents table is refused, not drawn.
  rich.factors.push_back({"incidents", "point", false});
  CHECK_THROWS_AS(map_xml(rich, StyleOptions{}, "", 10, true), rtm::RenderError);

  CHECK_THROWS_AS(fill_template("a {{nope}} b", {{"yes", "1"}}), rtm::RenderError);
  CHECK(fill_template("a {{x}} b {{x}}", {{"x", "1"}}) == "a 1 b 1");
  CHECK_THROWS_AS(parse_palette("class_0 = red\n"), rtm::RenderError);
}

TEST_CASE("every factor gets its own symbol, none like an incident", "[render]") {
  const Palette p = load_palette("");
  std::size_t colours = 0;
  while (p.count("factor_" + std::to_string(colours + 1))) ++colours;
  REQUIRE(colours >= 4);
  std::set<std::pair<std::string, bool>> seen;
  for (std::size_t i = 0; i < 2 * colours; ++i) {
    const FactorSymbol s = factor_symbol(p, i);
    INFO("factor " << i << " " << s.colour);
    CHECK(seen.insert({s.colour, s.ring}).second);
    CHECK(s.ring == (i >= colours));
    // Far from the incident colour, also darkened (antialiased against the
    // black place lines) or lightened (against white): the public renders are
    // searched for the incident colour within 40 per channel.
    const Rgb c = parse_rgb(s.colour), inc = parse_rgb(p.at("incident"));
    for (double t : {0.0, 0.25, 0.5, 0.75}) {
      const auto near = [&](double a, double b) { return std::fabs(a - b) * 255 <= 40; };
      const bool dark = near(c.r * (1 - t), inc.r) && near(c.g * (1 - t), inc.g) && near(c.b * (1 - t), inc.b);
      const bool light = near(c.r + (1 - c.r) * t, inc.r) && near(c.g + (1 - c.g) * t, inc.g) &&
                         near(c.b + (1 - c.b) * t, inc.b);
      CHECK_FALSE(dark);
      CHECK_FALSE(light);
    }
  }
  CHECK(factor_symbol(p, 2 * colours).colour == factor_symbol(p, 0).colour);  // then the symbols repeat
}

TEST_CASE("scale bars in round numbers", "[render]") {
  struct Row {
    double max, want;
  };
  for (const Row& r : {Row{1, 1}, Row{1.9, 1}, Row{2, 2}, Row{4.99, 2}, Row{5, 5}, Row{9.99, 5}, Row{10, 10},
                       Row{730, 500}, Row{1234, 1000}, Row{2600, 2000}, Row{0.07, 0.05}, Row{180000, 100000}}) {
    INFO("max " << r.max);
    CHECK(round_scale_length(r.max) == Approx(r.want));
  }
  CHECK(round_scale_length(0) == 0);
  CHECK(length_label(500) == "500 m");
  CHECK(length_label(1000) == "1 km");
  CHECK(length_label(2500) == "2.5 km");
}

TEST_CASE("text never overflows its box", "[render]") {
  const std::string long_text =
      "abandoned cars, liquor retail, supermarkets, abandoned buildings, graffiti, sanitation, liquor stores, schools";
  struct Row {
    std::string text;
    double w, h, size, min_size;
    int lines;
    bool bold;
  };
  const std::vector<Row> rows = {
      {"1", 20, 10, 8, 6, 1, true},
      {"LAW ENFORCEMENT SENSITIVE", 300, 14, 9, 5, 1, true},
      {"LAW ENFORCEMENT SENSITIVE", 60, 14, 9, 5, 1, true},
      {long_text, 150, 20, 7, 5.6, 2, false},
      {long_text, 150, 30, 7, 5.6, 3, false},
      {long_text, 40, 8, 7, 5.6, 1, false},
      {"Incidents\nlast 8 wk", 30, 18, 6.5, 4.5, 2, true},
      {"Supercalifragilisticexpialidocious", 25, 10, 8, 6, 2, false},
      {"Area km² × risk … très élevé", 35, 9, 8, 6, 1, false},
      {"tiny box", 5, 3, 8, 6, 1, false},
      {"", 50, 10, 8, 6, 1, false},
  };
  for (const auto& r : rows) {
    INFO("'" << r.text << "' in " << r.w << " x " << r.h);
    const TextFitCheck f = check_text_fit(r.text, r.w, r.h, r.size, r.min_size, r.lines, r.bold);
    CHECK(f.width <= r.w + 1e-6);
    CHECK(f.height <= r.h + 1e-6);
    CHECK(static_cast<int>(f.lines) <= r.lines);
    CHECK(valid_utf8(f.first_line));
    CHECK(valid_utf8(f.last_line));
  }
  const auto fits = check_text_fit("LAW ENFORCEMENT SENSITIVE", 300, 14, 9, 5, 1, true);
  CHECK_FALSE(fits.shrunk);
  CHECK_FALSE(fits.ellipsized);
  CHECK(fits.size == 9);
  const auto shrinks = check_text_fit("LAW ENFORCEMENT SENSITIVE", 110, 14, 9, 5, 1, true);
  CHECK(shrinks.shrunk);
  CHECK_FALSE(shrinks.ellipsized);
  const auto cut = check_text_fit(long_text, 40, 8, 7, 5.6, 1, false);
  CHECK(cut.ellipsized);
  CHECK(cut.last_line.size() >= 3);
  CHECK(cut.last_line.substr(cut.last_line.size() - 3) == "\xE2\x80\xA6");
  const auto wraps = check_text_fit(long_text, 150, 30, 7, 5.6, 3, false);
  CHECK(wraps.lines >= 2);
}

TEST_CASE("place change by shared grid cells", "[render]") {
  RunInfo grid;  // 10 x 10 cells of 100 m from (0, 0)
  grid.west = 0;
  grid.south = 0;
  grid.east = 1000;
  grid.north = 1000;
  grid.cols = 10;
  grid.rows = 10;
  grid.cell_size_m = 100;
  auto square = [](int rank, double x0, double y0, double x1, double y1) {
    PlaceShape s;
    s.rank = rank;
    s.parts = {{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}};
    s.minx = x0, s.miny = y0, s.maxx = x1, s.maxy = y1;
    return s;
  };
  const PlaceShape a = square(1, 100, 100, 300, 200);  // two cells
  CHECK(cell_centres(a, grid).size() == 2);
  CHECK(contains(a, 150, 150));
  CHECK_FALSE(contains(a, 350, 150));
  // A ring with a hole: the hole's cell is not inside.
  PlaceShape ring = square(2, 0, 0, 300, 300);
  ring.parts[0].push_back({{100, 100}, {200, 100}, {200, 200}, {100, 200}, {100, 100}});
  CHECK(cell_centres(ring, grid).size() == 8);
  CHECK_FALSE(contains(ring, 150, 150));
  // Touching at an edge shares no cell.
  const PlaceShape b = square(3, 300, 100, 400, 200);
  for (const auto& [x, y] : cell_centres(b, grid)) CHECK_FALSE(contains(a, x, y));
}

TEST_CASE("a style naming a missing font fails instead of dropping labels", "[render]") {
  const std::string& run = sample_run();
  TempDir dir;
  fs::create_directories(dir / "styles");
  for (const char* f : {"internal.xml", "palette.txt"}) std::ofstream(dir / ("styles/" + std::string(f))) << style_file(f, "");
  std::string pub = style_file("public.xml", "");
  for (auto pos = pub.find("DejaVu Sans Bold"); pos != std::string::npos; pos = pub.find("DejaVu Sans Bold"))
    pub.replace(pos, 16, "No Such Font Bold");
  std::ofstream(dir / "styles/public.xml") << pub;
  MapOptions o;
  o.style.styles_dir = dir / "styles";
  o.width_px = 200;
  CHECK_THROWS_AS(render_map_png(run, dir / "map.png", o), rtm::RenderError);
  CHECK_FALSE(fs::exists(dir / "map.png"));
}

TEST_CASE("the sample city as PNG maps", "[render]") {
  const std::string& run = sample_run();
  TempDir out;
  const Palette palette = load_palette("");
  MapOptions o;
  o.width_px = 800;
  o.decorations = false;  // the map alone: every pixel of a class colour comes from the map
  o.style.save_xml = out / "public.xml";
  render_map_png(run, out / "public.png", o);
  o.style.audience = Audience::internal;
  o.style.save_xml = out / "internal.xml";
  render_map_png(run, out / "internal.png", o);

  const ImageStats pub = png_stats(out / "public.png", palette.at("incident"));
  const ImageStats internal = png_stats(out / "internal.png", palette.at("incident"));
  CHECK(pub.width == 800);
  CHECK(pub.height > 400);
  CHECK(pub.grey_sd > 10);           // not blank
  CHECK(pub.distinct_greys >= 4);    // the classes, the places, the background
  CHECK(pub.colour_pixels == 0);     // no incident symbol in public
  CHECK(internal.colour_pixels > 50);
  for (const char* c : {"class_0", "class_1", "class_2", "class_3"}) {
    INFO(c);
    CHECK(png_stats(out / "public.png", palette.at(c)).colour_pixels > 100);
  }
  const std::string pub_xml = slurp(out / "public.xml");
  CHECK(pub_xml.find(">incidents<") == std::string::npos);
  // The model's factors are drawn in both styles, each in its own colour
  // (the sample city's first factors are point layers with hundreds of
  // features in the area), and the context outlines are read.
  // At 1600 pixels (about 1:20,000) the features get their full-size dots.
  const RunInfo info = read_run_info(run);
  REQUIRE(info.factors.size() >= 3);
  CHECK(info.has_context);
  MapOptions wide;
  wide.width_px = 1600;
  wide.decorations = false;  // no legend symbols in the count
  render_map_png(run, out / "wide-public.png", wide);
  wide.style.audience = Audience::internal;
  render_map_png(run, out / "wide-internal.png", wide);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("factor " << info.factors[i].name);
    const std::string colour = factor_symbol(palette, i).colour;
    CHECK(png_stats(out / "wide-public.png", colour, 40).colour_pixels > 20);
    CHECK(png_stats(out / "wide-internal.png", colour, 40).colour_pixels > 20);
    CHECK(pub_xml.find("<Parameter name=\"layer\">" + info.factors[i].name + "</Parameter>") != std::string::npos);
  }
  CHECK(png_stats(out / "wide-public.png", palette.at("incident"), 40).colour_pixels == 0);
  CHECK(pub_xml.find("<Parameter name=\"layer\">context</Parameter>") != std::string::npos);
  CHECK(slurp(out / "internal.xml").find(">incidents<") != std::string::npos);
  check_reference(out / "public.png", "sample-city-public.png");
  check_reference(out / "internal.png", "sample-city-internal.png");

  // With the legend, at another size and resolution.
  MapOptions big;
  big.width_px = 1200;
  big.height_px = 900;
  big.dpi = 150;
  render_map_png(run, out / "legend.png", big);
  const ImageStats legend = png_stats(out / "legend.png", palette.at("incident"));
  CHECK(legend.width == 1200);
  CHECK(legend.height == 900);
  CHECK(legend.colour_pixels == 0);
  check_reference(out / "legend.png", "sample-city-public-legend.png");
}

TEST_CASE("the sample city briefing on every paper size and orientation", "[render]") {
  const std::string& run = sample_run();
  TempDir out;
  const bool raster = have_pdftoppm();
  if (!raster) WARN("pdftoppm (poppler-utils) not found: the PDFs are not rasterized and compared");
  const Palette palette = load_palette("");
  for (const Paper paper : {Paper::letter, Paper::a4})
    for (const bool landscape : {false, true})
      for (const Audience audience : {Audience::public_, Audience::internal}) {
        const std::string name = std::string(paper == Paper::a4 ? "a4" : "letter") +
                                 (landscape ? "-landscape" : "-portrait") + "-" + audience_name(audience);
        INFO(name);
        BriefingOptions o;
        o.paper = paper;
        o.landscape = landscape;
        o.style.audience = audience;
        o.previous_run = run;  // the change section, against itself
        const std::string pdf = out / (name + ".pdf");
        const BriefingReport r = render_briefing_pdf(run, pdf, o);
        CHECK(r.table_rows >= 5);
        CHECK(r.texts > 40);
        CHECK(r.has_change);
        CHECK(r.map_w_pt > 200);
        CHECK(r.map_h_pt > 200);
        const std::string bytes = slurp(pdf);
        CHECK(bytes.rfind("%PDF-", 0) == 0);
        CHECK(bytes.find("%%EOF") != std::string::npos);
        const double w = paper == Paper::a4 ? 595.276 : 612, h = paper == Paper::a4 ? 841.89 : 792;
        CHECK(r.page_w_pt == Approx(landscape ? h : w));
        CHECK(r.page_h_pt == Approx(landscape ? w : h));
        if (!raster) continue;
        const std::string png_prefix = out / name;
        REQUIRE(std::system(("pdftoppm -r 60 -png -singlefile '" + pdf + "' '" + png_prefix + "'").c_str()) == 0);
        const ImageStats st = png_stats(png_prefix + ".png", palette.at("incident"));
        CHECK(st.grey_sd > 10);
        if (audience == Audience::public_) CHECK(st.colour_pixels == 0);
        if (paper == Paper::letter) check_reference(png_prefix + ".png", "briefing-" + name + ".png");
      }
  // Against itself, every place persists.
  const RunInfo info = read_run_info(run);
  const PlaceChange c = compare_places(info, info);
  CHECK(c.new_ranks.empty());
  CHECK(c.gone_ranks.empty());
  CHECK(c.persistent_ranks.size() == info.places.size());
  for (const auto& [now, before] : c.previous_rank) CHECK(now == before);
}

TEST_CASE("render errors name what is missing", "[render]") {
  TempDir dir;
  CHECK_THROWS_AS(read_run_info(dir / "nope"), rtm::RenderError);
  fs::create_directories(dir / "empty");
  CHECK_THROWS_AS(read_run_info(dir / "empty"), rtm::RenderError);
  CHECK_THROWS_AS(render_map_png(dir / "empty", dir / "x.png", MapOptions{}), rtm::RenderError);
  CHECK_FALSE(fs::exists(dir / "x.png"));
}

TEST_CASE("the sample city as web-mercator tiles", "[render]") {
  const std::string& run = sample_run();
  TempDir out;
  const Palette palette = load_palette("");
  auto tile_files = [](const std::string& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.path().extension() == ".png" && e.path().string().find("/leaflet/") == std::string::npos)
        files.push_back(fs::relative(e.path(), dir));
    std::sort(files.begin(), files.end());
    return files;
  };
  TileOptions o;
  o.min_zoom = 11;
  o.max_zoom = 14;
  o.threads = 2;
  const TileSummary meta = render_tiles(run, out / "public", o);
  o.metatile = 1;
  o.threads = 1;
  o.viewer = false;
  const TileSummary single = render_tiles(run, out / "single", o);
  o.metatile = 8;
  o.style.audience = Audience::internal;
  const TileSummary internal = render_tiles(run, out / "internal", o);

  const auto files = tile_files(out / "public");
  CHECK(meta.tiles == files.size());
  CHECK(meta.tiles > 20);
  CHECK(meta.metatiles < meta.tiles);
  CHECK(single.tiles == meta.tiles);
  CHECK(fs::exists(out / "public/tiles.mbtiles"));
  CHECK(fs::exists(out / "public/14"));
  // Every zoom level from 11 to 14 is there.
  for (int z = 11; z <= 14; ++z) CHECK(fs::is_directory(out / ("public/" + std::to_string(z))));
  // Metatiles cut into tiles look like tiles rendered one at a time.
  double changed = 0, max_changed = 0;
  for (const auto& f : files) {
    const ImageDiff d = png_diff(out / ("public/" + f.string()), out / ("single/" + f.string()), 40);
    CHECK(d.same_size);
    changed += d.changed_share;
    max_changed = std::max(max_changed, d.changed_share);
  }
  CHECK(changed / static_cast<double>(files.size()) < 0.01);
  // No incident colour in any public tile; the internal tiles have it.
  std::size_t pub_incident = 0, int_incident = 0;
  for (const auto& f : files) pub_incident += png_stats(out / ("public/" + f.string()), palette.at("incident"), 40).colour_pixels;
  for (const auto& f : tile_files(out / "internal"))
    int_incident += png_stats(out / ("internal/" + f.string()), palette.at("incident"), 40).colour_pixels;
  CHECK(pub_incident == 0);
  CHECK(int_incident > 100);
  (void)internal;
  // The viewer (when Leaflet was installed at build time) and its places.
  if (fs::exists(out / "public/index.html")) {
    const std::string html = slurp(out / "public/index.html");
    CHECK(html.find("{{") == std::string::npos);
    CHECK(html.find("leaflet/leaflet.js") != std::string::npos);
    CHECK(fs::exists(out / "public/leaflet/leaflet.js"));
    const std::string places = slurp(out / "public/places.js");
    CHECK(places.find("\"narrative\"") != std::string::npos);
    CHECK(places.find("\"leverage\"") != std::string::npos);
  } else {
    WARN("Leaflet was not installed at build time (npm): the viewer was not written");
  }
}

TEST_CASE("the run's default maps (pipeline render step)", "[render]") {
  const std::string& run = sample_run();
  TempDir out;
  rtm::pipeline::RenderSettings s;
  s.map_width_px = 400;
  s.previous_run = out / "no-such-run";  // ignored: the default products never fail on a missing previous run
  const auto written = rtm::pipeline::render_run_products(run, out / "briefing.pdf", out / "map.png", s);
  CHECK(written.size() == 2);
  CHECK(fs::file_size(out / "briefing.pdf") > 10000);
  CHECK(png_stats(out / "map.png").width == 400);
  s.previous_run = run;  // the same as-of date: ignored too
  s.map = false;
  CHECK(rtm::pipeline::render_run_products(run, out / "b2.pdf", out / "m2.png", s).size() == 1);
  CHECK_FALSE(fs::exists(out / "m2.png"));
  BriefingOptions strict;
  strict.previous_run = out / "no-such-run";
  CHECK_THROWS_AS(render_briefing_pdf(run, out / "b3.pdf", strict), rtm::RenderError);
  CHECK_FALSE(fs::exists(out / "b3.pdf"));
}
