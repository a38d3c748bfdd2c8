// The study file: defaults, and every error naming the file, line and key.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pipeline/study_config.hpp"
#include "test_support.hpp"

namespace {

const std::string kPath = "/tmp/rtm-unit/cfg/study.toml";

// Line numbers matter: tests below append lines and name them.
const std::string kMinimal =
    "[study]\n"                        // 1
    "name = \"unit\"\n"                // 2
    "block_length_m = 200\n"           // 3
    "\n"                               // 4
    "[study.area]\n"                   // 5
    "source = \"area.geojson\"\n"      // 6
    "\n"                               // 7
    "[incidents]\n"                    // 8
    "source = \"data/inc.csv\"\n"      // 9
    "x = \"lon\"\n"                    // 10
    "y = \"lat\"\n"                    // 11
    "crs = \"EPSG:4326\"\n";           // 12

// The message of the ConfigError thrown by parsing `text`, or "" if none.
std::string config_error(const std::string& text) { return rtm_test::config_error(text, kPath); }

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("study config: a minimal file and its defaults", "[config]") {
  const rtm::pipeline::StudyConfig c = rtm::pipeline::parse_study_config(kMinimal, kPath);
  CHECK(c.file == kPath);
  CHECK(c.name == "unit");
  CHECK(c.crs == "auto");
  CHECK(c.block_length_m == 200.0);
  CHECK(c.cell_size_m == 100.0);  // half a block
  CHECK(c.max_cells == 50'000'000);
  // paths are relative to the study file
  CHECK(c.area.path == "/tmp/rtm-unit/cfg/area.geojson");
  CHECK(c.area.kind == "vector");
  CHECK(c.area.where == "study.area");
  CHECK(c.incidents.source.path == "/tmp/rtm-unit/cfg/data/inc.csv");
  CHECK(c.incidents.source.kind == "csv");
  CHECK(c.incidents.source.x == "lon");
  CHECK(c.incidents.source.y == "lat");
  CHECK(c.incidents.source.crs == "EPSG:4326");
  CHECK(c.incidents.source.date_column.empty());
  CHECK(c.incidents.source.date_format == "iso");
  CHECK(c.incidents.crime_type == "incidents");
  CHECK_FALSE(c.incidents.train.has_value());
  CHECK(c.incidents.max_unparsable_dates == Approx(0.01));
  CHECK(c.layers.empty());
  // operationalization: both, 3 blocks, half-block steps -> 100 .. 600 m for 200 m blocks
  CHECK(c.default_ops.method == "both");
  CHECK(c.default_ops.max_influence_blocks == 3);
  CHECK(c.default_ops.increment == "half");
  CHECK(c.default_ops.distances_m(c.block_length_m) == std::vector<double>{100, 200, 300, 400, 500, 600});
  CHECK(c.max_influence_m() == 600.0);
}

TEST_CASE("study config: operationalization distances", "[config]") {
  rtm::pipeline::Operationalization o;
  o.increment = "whole";
  CHECK(o.distances_m(200.0) == std::vector<double>{200, 400, 600});
  o.max_influence_blocks = 1;
  CHECK(o.distances_m(150.0) == std::vector<double>{150});
  o.increment = "half";
  CHECK(o.distances_m(150.0) == std::vector<double>{75, 150});

  const auto c = rtm::pipeline::parse_study_config(kMinimal +
                                                       "[operationalization]\n"
                                                       "method = \"density\"\n"
                                                       "max_influence_blocks = 4\n"
                                                       "increment = \"whole\"\n"
                                                       "[[layers]]\n"
                                                       "name = \"bars\"\n"
                                                       "source = \"bars.gpkg\"\n"
                                                       "[[layers]]\n"
                                                       "name = \"schools\"\n"
                                                       "source = \"schools.gpkg\"\n"
                                                       "max_influence_blocks = 6\n"
                                                       "method = \"proximity\"\n",
                                                   kPath);
  CHECK(c.default_ops.method == "density");
  CHECK(c.default_ops.distances_m(200.0) == std::vector<double>{200, 400, 600, 800});
  REQUIRE(c.layers.size() == 2);
  // a layer inherits the defaults and overrides single keys
  CHECK(c.layers[0].ops.method == "density");
  CHECK(c.layers[0].ops.max_influence_blocks == 4);
  CHECK(c.layers[0].ops.increment == "whole");
  CHECK(c.layers[1].ops.method == "proximity");
  CHECK(c.layers[1].ops.max_influence_blocks == 6);
  CHECK(c.layers[1].ops.increment == "whole");
  CHECK(c.layers[1].line == 20);
  CHECK(c.max_influence_m() == 1200.0);
}

TEST_CASE("study config: explicit values", "[config]") {
  const auto c = rtm::pipeline::parse_study_config(
      replace(replace(kMinimal, "block_length_m = 200\n", "block_length_m = 150.5\ncell_size_m = 30\ncrs = \"EPSG:26971\"\n"),
              "crs = \"EPSG:4326\"\n",
              "crs = \"EPSG:4326\"\ndate_column = \"date\"\ndate_format = \"%m/%d/%Y %I:%M:%S %p\"\n"
              "train_start = 2017-01-01\ntrain_end = \"2017-12-31\"\ncrime_type = \"burglary\"\n"),
      kPath);
  CHECK(c.block_length_m == 150.5);
  CHECK(c.cell_size_m == 30.0);
  CHECK(c.crs == "EPSG:26971");
  CHECK(c.incidents.crime_type == "burglary");
  CHECK(c.incidents.source.date_format == "%m/%d/%Y %I:%M:%S %p");
  REQUIRE(c.incidents.train.has_value());
  // [2017-01-01 00:00, 2018-01-01 00:00): the end date is inclusive
  CHECK(c.incidents.train->start_s == 1483228800);
  CHECK(c.incidents.train->end_s == 1514764800);
  CHECK(c.incidents.train_start == "2017-01-01");
  CHECK(c.incidents.train_end == "2017-12-31");

  // a one-day window
  const auto one = rtm::pipeline::parse_study_config(
      kMinimal + "date_column = \"date\"\ntrain_start = 2017-06-01\ntrain_end = 2017-06-01\n", kPath);
  REQUIRE(one.incidents.train.has_value());
  CHECK(one.incidents.train->end_s - one.incidents.train->start_s == 86400);
}

namespace {
struct ErrorCase {
  const char* what;
  std::string text;
  std::vector<std::string> expected;  // substrings of the message
};
}  // namespace

TEST_CASE("study config: errors name the file, line and key", "[config]") {
  const std::string f = kPath + ":";
  const std::vector<ErrorCase> cases = {
      {"unknown key with a near miss",
       replace(kMinimal, "block_length_m = 200\n", "block_length_m = 200\ncel_size_m = 50\n"),
       {f + "4: unknown key study.cel_size_m", "did you mean 'cell_size_m'"}},
      {"misspelled required key", replace(kMinimal, "block_length_m = 200", "block_lenght_m = 200"),
       {f + "1: study.block_length_m", "missing", "did you mean 'block_length_m'"}},
      {"unknown table with a near miss", kMinimal + "[operationalisation]\nmethod = \"both\"\n",
       {f + "13: unknown key operationalisation", "did you mean 'operationalization'"}},
      {"unknown key in [incidents]", kMinimal + "date_colum = \"date\"\n",
       {f + "13: unknown key incidents.date_colum", "did you mean 'date_column'"}},
      {"unknown key in a layer", kMinimal + "[[layers]]\nname = \"a\"\nsource = \"a.gpkg\"\nincrment = \"half\"\n",
       {f + "16: unknown key layers[0].incrment", "did you mean 'increment'"}},
      {"unknown key far from any allowed one", kMinimal + "zzzzzzzzzzzz = 1\n",
       {f + "13: unknown key incidents.zzzzzzzzzzzz", "allowed here:"}},
      {"wrong type: a string for a number",
       replace(kMinimal, "block_length_m = 200", "block_length_m = \"200\""),
       {f + "3: study.block_length_m", "expected a number, found a string"}},
      {"wrong type: a number for a string", replace(kMinimal, "name = \"unit\"", "name = 7"),
       {f + "2: study.name", "expected a string, found an integer"}},
      {"wrong type: a float for an integer", kMinimal + "[operationalization]\nmax_influence_blocks = 2.5\n",
       {f + "14: operationalization.max_influence_blocks", "expected an integer, found a number"}},
      {"wrong type: a table for a string", replace(kMinimal, "x = \"lon\"", "x = { a = 1 }"),
       {f + "10: incidents.x", "expected a string, found a table"}},
      {"bad TOML", replace(kMinimal, "name = \"unit\"", "name = "), {f + "2:", "not valid TOML"}},
      {"bad TOML further down", kMinimal + "train_start = 2017-13-45\n", {f + "13:", "not valid TOML"}},
      {"train_end before train_start",
       kMinimal + "date_column = \"date\"\ntrain_start = 2017-06-01\ntrain_end = 2017-05-31\n",
       {f + "15: incidents.train_end", "ends before train_start (2017-06-01)"}},
      {"train window without date_column", kMinimal + "train_start = 2017-01-01\ntrain_end = 2017-12-31\n",
       {f + "13: incidents.train_start", "needs date_column"}},
      {"train_start without train_end", kMinimal + "date_column = \"d\"\ntrain_start = 2017-01-01\n",
       {"incidents.train_end", "missing"}},
      {"train_start not a date", kMinimal + "date_column = \"d\"\ntrain_start = \"2017-02-30\"\ntrain_end = 2017-12-31\n",
       {f + "14: incidents.train_start", "expected a date YYYY-MM-DD"}},
      {"csv source without crs", replace(kMinimal, "crs = \"EPSG:4326\"\n", ""),
       {"incidents.crs", "a csv source carries no CRS"}},
      {"csv source without x", replace(kMinimal, "x = \"lon\"\n", ""), {"incidents.x", "a csv source needs x"}},
      {"x on a vector source", replace(kMinimal, "source = \"area.geojson\"\n", "source = \"area.geojson\"\nx = \"a\"\n"),
       {f + "7: study.area.x", "csv sources only"}},
      {"missing block_length_m", replace(kMinimal, "block_length_m = 200\n", ""),
       {f + "1: study.block_length_m", "missing"}},
      {"negative block_length_m", replace(kMinimal, "block_length_m = 200", "block_length_m = -5"),
       {f + "3: study.block_length_m", "positive"}},
      {"zero cell size", replace(kMinimal, "block_length_m = 200\n", "block_length_m = 200\ncell_size_m = 0\n"),
       {f + "4: study.cell_size_m", "positive"}},
      {"missing [study]", "[incidents]\nsource = \"a.csv\"\n", {kPath + ": missing table [study]"}},
      {"missing [incidents]", kMinimal.substr(0, kMinimal.find("[incidents]")), {"missing table [incidents]"}},
      {"missing area", replace(replace(kMinimal, "[study.area]\n", ""), "source = \"area.geojson\"\n", ""),
       {"study.area", "missing"}},
      {"bad method", kMinimal + "[operationalization]\nmethod = \"nearest\"\n",
       {f + "14: operationalization.method", "\"nearest\""}},
      {"bad increment", kMinimal + "[operationalization]\nincrement = \"quarter\"\n",
       {f + "14: operationalization.increment"}},
      {"max_influence_blocks out of range", kMinimal + "[operationalization]\nmax_influence_blocks = 0\n",
       {f + "14: operationalization.max_influence_blocks", "1 to 20"}},
      {"unknown layer kind", replace(kMinimal, "source = \"area.geojson\"\n", "source = \"area.geojson\"\nkind = \"shp\"\n"),
       {"study.area.kind", "unknown layer kind 'shp'"}},
      {"bad layer name", kMinimal + "[[layers]]\nname = \"bad name\"\nsource = \"a.gpkg\"\n",
       {f + "14: layers[0].name", "letters, digits and '_'"}},
      {"duplicate layer name", kMinimal + "[[layers]]\nname = \"a\"\nsource = \"a.gpkg\"\n[[layers]]\nname = \"a\"\nsource = \"b.gpkg\"\n",
       {f + "17: layers[1].name", "used twice"}},
      {"max_unparsable_dates out of range", kMinimal + "max_unparsable_dates = 1.5\n",
       {f + "13: incidents.max_unparsable_dates"}},
  };
  for (const auto& c : cases) {
    INFO(c.what << "\n--- text ---\n" << c.text << "------------");
    const std::string msg = config_error(c.text);
    INFO("message: " << msg);
    REQUIRE_FALSE(msg.empty());
    for (const auto& e : c.expected) CHECK_THAT(msg, Catch::Contains(e));
  }
}

TEST_CASE("study config: no suggestion when nothing is close", "[config]") {
  const std::string msg = config_error(kMinimal + "zzzzzzzzzzzz = 1\n");
  CHECK_THAT(msg, !Catch::Contains("did you mean"));
}

TEST_CASE("study config: load_study_config on a missing file", "[config]") {
  CHECK_THROWS_AS(rtm::pipeline::load_study_config("/nonexistent/rtm/study.toml"), rtm::ConfigError);
  CHECK_THROWS_WITH(rtm::pipeline::load_study_config("/nonexistent/rtm/study.toml"),
                    Catch::Contains("study file not found"));
}

TEST_CASE("study config: database sources and the database ledger", "[config][postgis]") {
  const std::string pg =
      replace(kMinimal, "source = \"data/inc.csv\"\nx = \"lon\"\ny = \"lat\"\ncrs = \"EPSG:4326\"\n",
              "source = \"PG:dbname=rms host=127.0.0.1\"\n"  // 9
              "sql = \"SELECT * FROM assaults\"\n"            // 10
              "password_env = \"RTM_UNIT_DB_PASSWORD\"\n");  // 11
  ::setenv("RTM_UNIT_DB_PASSWORD", "unit-secret", 1);
  {
    const auto c = rtm::pipeline::parse_study_config(pg, kPath);
    CHECK(c.incidents.source.path == "PG:dbname=rms host=127.0.0.1");  // used as written, not resolved
    CHECK(c.incidents.source.kind == "vector");
    CHECK(c.incidents.source.sql == "SELECT * FROM assaults");
    CHECK(c.incidents.source.password_env == "RTM_UNIT_DB_PASSWORD");
    CHECK(c.schedule.ledger.empty());
  }
  {
    const auto c = rtm::pipeline::parse_study_config(
        pg + "\n[schedule]\nledger = \"PG:dbname=rtm\"\nledger_password_env = \"RTM_UNIT_DB_PASSWORD\"\n", kPath);
    CHECK(c.schedule.ledger == "PG:dbname=rtm");
    CHECK(c.schedule.ledger_password_env == "RTM_UNIT_DB_PASSWORD");
  }
  ::unsetenv("RTM_UNIT_DB_PASSWORD");
  CHECK(config_error(pg) == kPath + ":11: incidents.password_env: the environment variable RTM_UNIT_DB_PASSWORD is "
                                    "not set (it should hold the database password)");
  CHECK(config_error(replace(pg, "sql = \"SELECT * FROM assaults\"\n", "sql = \"SELECT 1\"\nlayer = \"a\"\n")) ==
        kPath + ":10: incidents.sql: give either layer (a table) or sql (a query), not both");
  CHECK(config_error(kMinimal + "password_env = \"X\"\n") ==
        kPath + ":13: incidents.password_env: only for database sources (source = \"PG:...\"); "
                "/tmp/rtm-unit/cfg/data/inc.csv is a file");
  CHECK(config_error(kMinimal + "sql = \"SELECT 1\"\n") ==
        kPath + ":13: incidents.sql: a query is for vector sources (a database, a GeoPackage)");
  // a ledger that is not a database; its password is not repeated in the message
  CHECK(config_error(kMinimal + "\n[schedule]\nledger = \"runs/ledger.gpkg\"\n") ==
        kPath + ":15: schedule.ledger: expected a PostgreSQL connection string \"PG:dbname=... host=...\", found "
                "\"runs/ledger.gpkg\" (without the key the ledger is RUNS/ledger.gpkg)");
  const std::string msg = config_error(kMinimal + "\n[schedule]\nledger = \"host=x password=hunter2\"\n");
  CHECK(msg.find("password=***") != std::string::npos);
  CHECK(msg.find("hunter2") == std::string::npos);
}

TEST_CASE("study config: [render.context] outlines", "[config]") {
  const std::string ctx = kMinimal + "\n[render.context]\nsource = \"districts.geojson\"\nlabel = \"District\"\n";
  const rtm::pipeline::StudyConfig c = rtm::pipeline::parse_study_config(ctx, kPath);
  REQUIRE(c.render.context.has_value());
  CHECK(c.render.context->path == "/tmp/rtm-unit/cfg/districts.geojson");  // relative to the study file
  CHECK(c.render.context->kind == "vector");
  CHECK(c.render.context->where == "render.context");
  CHECK(c.render.context_label == "District");
  CHECK_FALSE(rtm::pipeline::parse_study_config(kMinimal, kPath).render.context.has_value());

  const std::string f = kPath + ":";
  // Lines: 13 blank, 14 [render.context], 15 source, 16 label.
  std::string e = config_error(replace(ctx, "label = \"District\"\n", ""));
  CHECK(e.find(f + "14: missing key render.context.label") != std::string::npos);
  e = config_error(replace(ctx, "label = ", "lable = "));
  CHECK(e.find(f + "14: missing key render.context.label") != std::string::npos);
  CHECK(e.find("did you mean 'label'") != std::string::npos);
  e = config_error(replace(ctx, "source = \"districts", "sorce = \"districts"));
  CHECK(e.find("render.context.source") != std::string::npos);
  CHECK(e.find("did you mean 'source'") != std::string::npos);
  e = config_error(kMinimal + "\n[render]\ncontext = \"districts.geojson\"\n");
  CHECK(e.find(f + "15: render.context: expected a table: [render.context] with source") != std::string::npos);
  e = config_error(kMinimal + "[[layers]]\nname = \"context\"\nsource = \"a.gpkg\"\n");
  CHECK(e.find("layers[0].name: 'context' is reserved") != std::string::npos);
}
