// load_study on a hand-made case (a 500 m square in EPSG:26971, 100 m cells)
// and on the real sample city: grid, mask and incident counts cell by cell.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pipeline/study.hpp"
#include "pipeline/study_config.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

using rtm_test::TempDir;

// The study area: the square [350000, 350500] x [570000, 570500] in EPSG:26971.
const char* const kAreaGeoJson = R"({
"type": "FeatureCollection",
"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::26971" } },
"features": [
{ "type": "Feature", "properties": { "name": "square" },
  "geometry": { "type": "Polygon", "coordinates": [ [ [350000, 570000], [350500, 570000], [350500, 570500],
                                                      [350000, 570500], [350000, 570000] ] ] } }
]
}
)";

const double kW = 350000.0, kS = 570000.0;  // south-west corner of the area

std::string study_toml(const std::string& extra_incidents = "") {
  return "[study]\n"
         "name = \"unit-counts\"\n"
         "crs = \"EPSG:26971\"\n"
         "block_length_m = 200\n"
         "cell_size_m = 100\n"
         "[study.area]\n"
         "source = \"area.geojson\"\n"
         "[incidents]\n"
         "source = \"incidents.csv\"\n"
         "x = \"x\"\n"
         "y = \"y\"\n"
         "crs = \"EPSG:26971\"\n"
         "date_column = \"date\"\n"
         "date_format = \"%Y-%m-%d %H:%M\"\n"
         "train_start = 2017-01-01\n"
         "train_end = 2017-12-31\n" +
         extra_incidents;
}

enum class Fate { counted, edge, before, after, outside_area, bad_date };

struct Incident {
  const char* what;
  double x, y;
  const char* date;
  Fate fate;
  double cx, cy;  // for counted: centre of the cell it must be counted in
};

// Offsets from the south-west corner, so every coordinate reads as metres in the square.
const std::vector<Incident> kIncidents = {
    {"interior of the south-west cell", kW + 50, kS + 50, "2017-06-01 12:00", Fate::counted, kW + 50, kS + 50},
    {"interior of the south-west cell, near its south-east corner", kW + 99.5, kS + 0.5, "2017-03-03 03:03",
     Fate::counted, kW + 50, kS + 50},
    {"vertical border x=100 -> east cell", kW + 100, kS + 150, "2017-06-01 12:00", Fate::counted, kW + 150,
     kS + 150},
    {"horizontal border y=200 -> south cell", kW + 250, kS + 200, "2017-06-01 12:00", Fate::counted, kW + 250,
     kS + 150},
    {"corner of four cells -> south-east cell", kW + 200, kS + 300, "2017-06-01 12:00", Fate::counted, kW + 250,
     kS + 250},
    {"west edge of the area", kW, kS + 250, "2017-06-01 12:00", Fate::counted, kW + 50, kS + 250},
    {"north edge of the area", kW + 250, kS + 500, "2017-06-01 12:00", Fate::counted, kW + 250, kS + 450},
    {"north-west corner of the area", kW, kS + 500, "2017-06-01 12:00", Fate::counted, kW + 50, kS + 450},
    {"north edge on a vertical border", kW + 400, kS + 500, "2017-08-08 08:08", Fate::counted, kW + 450,
     kS + 450},
    {"train_start 00:00 is counted", kW + 450, kS + 450, "2017-01-01 00:00", Fate::counted, kW + 450, kS + 450},
    {"train_end 23:59 is counted", kW + 450, kS + 450, "2017-12-31 23:59", Fate::counted, kW + 450, kS + 450},
    // In the area, but in a cell whose centre is outside it.
    {"east edge of the area -> cell to the east", kW + 500, kS + 250, "2017-06-01 12:00", Fate::edge, 0, 0},
    {"south edge of the area -> cell to the south", kW + 250, kS, "2017-06-01 12:00", Fate::edge, 0, 0},
    {"south-east corner of the area", kW + 500, kS, "2017-05-05 05:05", Fate::edge, 0, 0},
    // Outside the window.
    {"the day after train_end, 00:00", kW + 450, kS + 450, "2018-01-01 00:00", Fate::after, 0, 0},
    {"the minute before train_start", kW + 450, kS + 450, "2016-12-31 23:59", Fate::before, 0, 0},
    {"after the window, on the east edge", kW + 500, kS + 100, "2018-02-01 10:00", Fate::after, 0, 0},
    // Not in the area at all: dropped when read.
    {"just west of the area", kW - 0.001, kS + 250, "2017-06-01 12:00", Fate::outside_area, 0, 0},
    {"north of the area", kW + 250, kS + 600, "2017-06-01 12:00", Fate::outside_area, 0, 0},
    {"unparsable date", kW + 250, kS + 250, "06/01/2017 12:00", Fate::bad_date, 0, 0},
};

std::string incidents_csv() {
  std::string s = "id,x,y,date\n";
  int id = 0;
  for (const auto& i : kIncidents) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%d,%.3f,%.3f,%s\n", ++id, i.x, i.y, i.date);
    s += buf;
  }
  return s;
}

std::int64_t count_of(Fate f) {
  return static_cast<std::int64_t>(
      std::count_if(kIncidents.begin(), kIncidents.end(), [f](const Incident& i) { return i.fate == f; }));
}

}  // namespace

TEST_CASE("load_study: counts on a hand-made 500 m square", "[study]") {
  TempDir dir;
  dir.write("area.geojson", kAreaGeoJson);
  dir.write("incidents.csv", incidents_csv());
  const auto config =
      rtm::pipeline::parse_study_config(study_toml("max_unparsable_dates = 0.2\n"), (dir.path() / "study.toml").string());
  const rtm::pipeline::Study s = rtm::pipeline::load_study(config);

  SECTION("CRS and grid") {
    CHECK(s.crs.name == "EPSG:26971");
    CHECK(s.grid.crs_name == "EPSG:26971");
    CHECK(s.grid.cell_size_m == 100.0);
    CHECK(s.grid.west == kW);
    CHECK(s.grid.north >= kS + 500);
    CHECK(s.grid.east() >= kW + 500);
    CHECK(s.grid.south() <= kS);
    CHECK(s.area.area() == Approx(250000.0));
  }

  SECTION("mask: the 25 cells whose centres are in the square") {
    CHECK(s.study_cells == 25);
    REQUIRE(s.mask.size() == static_cast<std::size_t>(s.grid.cell_count()));
    CHECK(std::accumulate(s.mask.begin(), s.mask.end(), std::int64_t{0}) == 25);
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 5; ++j) {
        const double x = kW + 50 + 100 * i, y = kS + 50 + 100 * j;
        const auto cell = s.grid.cell_of(x, y);
        INFO("centre (" << x << ", " << y << ")");
        REQUIRE(cell.has_value());
        CHECK(s.grid.centre_x(cell->col) == x);
        CHECK(s.grid.centre_y(cell->row) == y);
        CHECK(s.mask[static_cast<std::size_t>(s.grid.linear(*cell))] == 1);
      }
    }
  }

  SECTION("counts cell by cell") {
    REQUIRE(s.counts.size() == static_cast<std::size_t>(s.grid.cell_count()));
    // Expected count per cell, from the table.
    std::vector<std::int32_t> expected(s.counts.size(), 0);
    for (const auto& i : kIncidents) {
      if (i.fate != Fate::counted) continue;
      const auto cell = s.grid.cell_of(i.cx, i.cy);
      INFO(i.what);
      REQUIRE(cell.has_value());
      ++expected[static_cast<std::size_t>(s.grid.linear(*cell))];
    }
    for (std::int64_t r = 0; r < s.grid.rows; ++r) {
      for (std::int64_t c = 0; c < s.grid.cols; ++c) {
        const auto k = static_cast<std::size_t>(r * s.grid.cols + c);
        INFO("cell row " << r << " col " << c << ", centre (" << s.grid.centre_x(c) << ", " << s.grid.centre_y(r)
                         << ")");
        CHECK(s.counts[k] == expected[k]);
        if (s.mask[k] == 0) CHECK(s.counts[k] == 0);
      }
    }
    // Spot checks written out by hand.
    auto at = [&](double x, double y) {
      const auto cell = s.grid.cell_of(x, y);
      REQUIRE(cell.has_value());
      return s.counts[static_cast<std::size_t>(s.grid.linear(*cell))];
    };
    CHECK(at(kW + 50, kS + 50) == 2);
    CHECK(at(kW + 150, kS + 150) == 1);
    CHECK(at(kW + 50, kS + 150) == 0);   // west of the vertical-border point
    CHECK(at(kW + 250, kS + 150) == 1);
    CHECK(at(kW + 250, kS + 250) == 1);
    CHECK(at(kW + 250, kS + 350) == 0);  // north of the horizontal-border point
    CHECK(at(kW + 150, kS + 350) == 0);  // north-west of the corner point
    CHECK(at(kW + 450, kS + 450) == 3);
    CHECK(at(kW + 350, kS + 450) == 0);
  }

  SECTION("incident_counts") {
    const auto& ic = s.incident_counts;
    const std::int64_t counted = count_of(Fate::counted), edge = count_of(Fate::edge);
    const std::int64_t before = count_of(Fate::before), after = count_of(Fate::after);
    CHECK(counted == 11);  // the table itself
    CHECK(s.incidents.read == static_cast<std::int64_t>(kIncidents.size()));
    CHECK(ic.in_area == counted + edge + before + after);
    CHECK(ic.before_window == before);
    CHECK(ic.after_window == after);
    CHECK(ic.in_window == counted + edge);
    CHECK(ic.in_edge_cells == edge);
    CHECK(ic.counted == counted);
    CHECK(ic.counted == std::accumulate(s.counts.begin(), s.counts.end(), std::int64_t{0}));
    CHECK(ic.counted == ic.in_window - ic.in_edge_cells);
    CHECK(ic.cells_with_incidents == 8);
    CHECK(ic.max_per_cell == 3);
    CHECK(ic.first_time == "2016-12-31 23:59:00");
    CHECK(ic.last_time == "2018-02-01 10:00:00");
    CHECK(s.used.size() == static_cast<std::size_t>(counted));
    // one unparsable date (5 % of rows, under max_unparsable_dates = 0.2): dropped with a warning
    CHECK(s.incidents.dropped.total() == count_of(Fate::outside_area) + count_of(Fate::bad_date));
    REQUIRE(s.warnings.size() == 1);
    CHECK_THAT(s.warnings[0], Catch::Contains("unparsable date"));
  }

  SECTION("the used incidents are exactly the counted rows") {
    std::vector<std::int64_t> used_rows;
    for (const std::size_t u : s.used) used_rows.push_back(s.incidents.features[u].source_fid);
    std::sort(used_rows.begin(), used_rows.end());
    std::vector<std::int64_t> expected;
    for (std::size_t i = 0; i < kIncidents.size(); ++i) {
      // CSV features are numbered by data row; the header is line 1, so data row i is fid i + 1
      if (kIncidents[i].fate == Fate::counted) expected.push_back(static_cast<std::int64_t>(i + 1));
    }
    CHECK(used_rows == expected);
  }
}

TEST_CASE("load_study: without a training window every dated-or-not incident in the area counts", "[study]") {
  TempDir dir;
  dir.write("area.geojson", kAreaGeoJson);
  dir.write("incidents.csv", incidents_csv());
  std::string text = study_toml();
  // no date column, no window: dates are not read at all
  for (const char* key : {"date_column", "date_format", "train_start", "train_end"}) {
    const auto at = text.find(std::string(key) + " = ");
    REQUIRE(at != std::string::npos);
    text.erase(at, text.find('\n', at) - at + 1);
  }
  const rtm::pipeline::Study s =
      rtm::pipeline::load_study(rtm::pipeline::parse_study_config(text, (dir.path() / "study.toml").string()));
  const auto& ic = s.incident_counts;
  // the 11 counted rows, the 2 rows outside the window at (450, 450), the row with the bad date at (250, 250)
  CHECK(ic.in_area == 18);
  CHECK(ic.before_window == 0);
  CHECK(ic.after_window == 0);
  CHECK(ic.in_window == 18);
  CHECK(ic.in_edge_cells == 4);  // 3 edge rows + the east-edge row that was after the window
  CHECK(ic.counted == 14);
  CHECK(ic.counted == std::accumulate(s.counts.begin(), s.counts.end(), std::int64_t{0}));
  CHECK(ic.cells_with_incidents == 8);
  CHECK(ic.max_per_cell == 5);
  CHECK(ic.first_time.empty());
  CHECK(ic.last_time.empty());
  const auto cell = s.grid.cell_of(kW + 450, kS + 450);
  REQUIRE(cell.has_value());
  CHECK(s.counts[static_cast<std::size_t>(s.grid.linear(*cell))] == 5);
  const auto mid = s.grid.cell_of(kW + 250, kS + 250);
  REQUIRE(mid.has_value());
  CHECK(s.counts[static_cast<std::size_t>(s.grid.linear(*mid))] == 2);
  CHECK(s.warnings.empty());
}

TEST_CASE("load_study: crs auto picks the UTM zone of the area", "[study]") {
  TempDir dir;
  dir.write("area.geojson", kAreaGeoJson);
  dir.write("incidents.csv", incidents_csv());
  std::string text = study_toml("max_unparsable_dates = 0.2\n");
  const std::string from = "crs = \"EPSG:26971\"\nblock";
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "crs = \"auto\"\nblock");
  const rtm::pipeline::Study s =
      rtm::pipeline::load_study(rtm::pipeline::parse_study_config(text, (dir.path() / "study.toml").string()));
  CHECK(s.crs.name == "EPSG:32616");
  CHECK(s.crs_origin.find("automatic") != std::string::npos);
  CHECK(s.area.area() == Approx(250000.0).epsilon(0.01));
  CHECK(s.incident_counts.counted == std::accumulate(s.counts.begin(), s.counts.end(), std::int64_t{0}));
  CHECK(s.incident_counts.counted == s.incident_counts.in_window - s.incident_counts.in_edge_cells);
  // Points exactly on the square's sides may fall either way once the sides are
  // reprojected; the 7 interior points in the window must all be there.
  CHECK(s.incident_counts.in_window >= 7);
  CHECK(s.incident_counts.in_window <= 14);
  CHECK(s.incident_counts.before_window == 1);
  CHECK(s.incident_counts.in_area ==
        s.incident_counts.before_window + s.incident_counts.in_window + s.incident_counts.after_window);
}

TEST_CASE("load_study: too many unparsable dates, and no incident in the window", "[study]") {
  TempDir dir;
  dir.write("area.geojson", kAreaGeoJson);
  dir.write("incidents.csv", incidents_csv());
  const std::string path = (dir.path() / "study.toml").string();
  // default max_unparsable_dates = 0.01: 1 bad row of 20 is too many
  CHECK_THROWS_AS(rtm::pipeline::load_study(rtm::pipeline::parse_study_config(study_toml(), path)),
                  rtm::DataError);
  CHECK_THROWS_WITH(rtm::pipeline::load_study(rtm::pipeline::parse_study_config(study_toml(), path)),
                    Catch::Contains("unparsable date"));

  const std::string later = "[study]\nname = \"t\"\ncrs = \"EPSG:26971\"\nblock_length_m = 200\n"
                            "[study.area]\nsource = \"area.geojson\"\n"
                            "[incidents]\nsource = \"incidents.csv\"\nx = \"x\"\ny = \"y\"\ncrs = \"EPSG:26971\"\n"
                            "date_column = \"date\"\ndate_format = \"%Y-%m-%d %H:%M\"\n"
                            "train_start = 2019-01-01\ntrain_end = 2019-12-31\nmax_unparsable_dates = 0.2\n";
  CHECK_THROWS_WITH(rtm::pipeline::load_study(rtm::pipeline::parse_study_config(later, path)),
                    Catch::Contains("no incident") && Catch::Contains("training window"));
}

TEST_CASE("load_study: the sample city", "[study][sample-city]") {
  const std::string path = RTM_SOURCE_DIR "/config/sample-city.toml";
  const rtm::pipeline::Study s = rtm::pipeline::load_study(rtm::pipeline::load_study_config(path));
  const auto& ic = s.incident_counts;
  INFO("in_area " << ic.in_area << ", before " << ic.before_window << ", in window " << ic.in_window << ", after "
                  << ic.after_window << ", edge " << ic.in_edge_cells << ", counted " << ic.counted);

  CHECK(s.crs.name == "EPSG:26971");
  CHECK(s.grid.cell_size_m == 100.0);
  CHECK(s.study_cells > 0);
  CHECK(s.study_cells == std::accumulate(s.mask.begin(), s.mask.end(), std::int64_t{0}));
  // About 53.6 km2 of 100 m cells.
  CHECK(s.area.area() == Approx(53.6e6).epsilon(0.01));
  CHECK(static_cast<double>(s.study_cells) == Approx(5360.0).epsilon(0.02));

  const std::int64_t sum = std::accumulate(s.counts.begin(), s.counts.end(), std::int64_t{0});
  CHECK(ic.counted == sum);
  CHECK(ic.counted == ic.in_window - ic.in_edge_cells);
  CHECK(ic.in_area == ic.before_window + ic.in_window + ic.after_window);
  CHECK(s.used.size() == static_cast<std::size_t>(ic.counted));
  CHECK(ic.counted > 0);
  CHECK(ic.in_edge_cells >= 0);

  // Every row of the file lies in the area (sample-city/README.md): 10,187 rows,
  // 3,343 in 2016, 3,392 in 2017 (the training window), 3,452 in 2018.
  CHECK(s.incidents.read == 10187);
  CHECK(ic.in_area == 10187);
  CHECK(ic.before_window == 3343);
  CHECK(ic.in_window == 3392);
  CHECK(ic.after_window == 3452);
  CHECK(ic.first_time.substr(0, 4) == "2016");
  CHECK(ic.last_time.substr(0, 4) == "2018");

  // Counts only in study cells, cells_with_incidents and max_per_cell agree with counts.
  std::int64_t nonzero = 0, maxc = 0;
  for (std::size_t k = 0; k < s.counts.size(); ++k) {
    if (s.mask[k] == 0) CHECK(s.counts[k] == 0);
    if (s.counts[k] > 0) ++nonzero;
    maxc = std::max<std::int64_t>(maxc, s.counts[k]);
  }
  CHECK(ic.cells_with_incidents == nonzero);
  CHECK(ic.max_per_cell == maxc);
  CHECK(s.layers.size() == s.config.layers.size());
}
