#include "pipeline/study_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "pipeline/goal.hpp"
#include "io/redact.hpp"

namespace fs = std::filesystem;

namespace rtm::pipeline {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::time: return "a time";
    default: return "nothing";
  }
}

std::int64_t line_of(const toml::node& n) { return static_cast<std::int64_t>(n.source().begin.line); }

// Reads one table, remembering which keys were used so unknown ones can be
// reported with a suggestion.
class Table {
 public:
  Table(const toml::table& t, std::string path, std::string file)
      : t_(t), path_(std::move(path)), file_(std::move(file)) {}

  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  std::string at(const std::string& key) const {
    const toml::node* n = t_.get(key);
    const std::int64_t line = n != nullptr ? line_of(*n) : line_of(t_);
    return file_ + ":" + std::to_string(line) + ": " + key_path(key);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(at(key) + ": " + what);
  }

  // " (found 'block_lenght_m': a misspelling?)" when an unknown key of this
  // table is close to `key`.
  std::string near_miss(const std::string& key) const {
    for (const auto& [k, v] : t_) {
      const std::string other(k.str());
      if (other != key && used_.count(other) == 0 && edit_distance(other, key) <= 2)
        return " (found unknown key " + key_path(other) + " on line " + std::to_string(line_of(v)) +
               ": did you mean '" + key + "'?)";
    }
    return "";
  }

  const toml::node* node(const std::string& key) {
    used_.insert(key);
    return t_.get(key);
  }
  bool has(const std::string& key) const { return t_.contains(key); }

  std::optional<std::string> str(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (auto v = n->value<std::string>(); v && n->is_string()) return *v;
    fail(key, "expected a string, found " + type_name(*n));
  }
  std::string str(const std::string& key, const std::string& def) { return str(key).value_or(def); }
  std::string required_str(const std::string& key) {
    auto v = str(key);
    if (!v)
      throw ConfigError(file_ + ":" + std::to_string(line_of(t_)) + ": missing key " + key_path(key) + near_miss(key));
    return *v;
  }
  std::optional<double> number(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (n->is_integer()) return static_cast<double>(*n->value<std::int64_t>());
    if (n->is_floating_point()) return *n->value<double>();
    fail(key, "expected a number, found " + type_name(*n));
  }
  std::optional<std::int64_t> integer(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (n->is_integer()) return *n->value<std::int64_t>();
    fail(key, "expected an integer, found " + type_name(*n));
  }
  std::optional<std::string> date(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (n->is_date()) {
      const auto d = *n->value<toml::date>();
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(d.year), static_cast<int>(d.month),
                    static_cast<int>(d.day));
      return std::string(buf);
    }
    if (n->is_string()) {
      const std::string s = *n->value<std::string>();
      if (parse_civil_time(s, "%Y-%m-%d")) return s;
      fail(key, "expected a date YYYY-MM-DD, found \"" + s + "\"");
    }
    fail(key, "expected a date YYYY-MM-DD, found " + type_name(*n));
  }
  const toml::table* table(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) fail(key, "expected a table, found " + type_name(*n));
    return n->as_table();
  }

  // Throws for the first key that was never asked for.
  void finish(const std::vector<std::string>& allowed) const {
    for (const auto& [k, v] : t_) {
      const std::string key(k.str());
      if (used_.count(key) != 0) continue;
      std::string best;
      std::size_t best_d = 1000;
      for (const auto& a : allowed) {
        const std::size_t d = edit_distance(key, a);
        if (d < best_d) {
          best_d = d;
          best = a;
        }
      }
      std::string msg = file_ + ":" + std::to_string(line_of(v)) + ": unknown key " + key_path(key);
      if (best_d <= std::max<std::size_t>(2, key.size() / 3)) msg += " (did you mean '" + best + "'?)";
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      msg += "; allowed here: " + list;
      throw ConfigError(msg);
    }
  }

 private:
  const toml::table& t_;
  std::string path_, file_;
  std::set<std::string> used_;
};

std::string resolve_path(const std::string& p, const fs::path& base) {
  if (p.rfind("PG:", 0) == 0 || p.rfind("/vsi", 0) == 0) return p;
  const fs::path q(p);
  return (q.is_absolute() ? q : base / q).lexically_normal().string();
}

const std::vector<std::string> kSourceKeys = {"source", "kind", "layer", "filter", "crs", "x", "y", "sql", "password_env"};

// A password_env key: the name of a set environment variable (checked here so
// the message names the key and its line; the value is read when connecting).
std::string read_password_env(Table& t, const std::string& key, const std::string& source) {
  const std::string name = t.str(key, "");
  if (name.empty()) return name;
  if (!io::is_database_source(source))
    t.fail(key, "only for database sources (source = \"PG:...\"); " + io::redact_source(source) + " is a file");
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0')
    t.fail(key, "the environment variable " + name + " is not set (it should hold the database password)");
  return name;
}

// The keys every data source shares.
layers::LayerSource read_source(Table& t, const std::string& where, const fs::path& base) {
  layers::LayerSource s;
  s.where = where;
  s.kind = t.str("kind", "");
  if (s.kind != "synthetic") {
    s.path = resolve_path(t.required_str("source"), base);
    if (s.kind.empty()) s.kind = layers::infer_kind(s.path);
  } else if (t.has("source")) {
    t.fail("source", "a synthetic layer has no source");
  }
  try {
    layers::layer_kind(s.kind, where);
  } catch (const ConfigError&) {
    std::string names;
    for (const auto& k : layers::layer_kind_names()) names += (names.empty() ? "" : ", ") + k;
    t.fail("kind", "unknown layer kind '" + s.kind + "' (expected one of: " + names + ")");
  }
  s.layer = t.str("layer", "");
  s.filter = t.str("filter", "");
  s.sql = t.str("sql", "");
  if (!s.sql.empty() && s.kind != "vector") t.fail("sql", "a query is for vector sources (a database, a GeoPackage)");
  if (!s.sql.empty() && !s.layer.empty()) t.fail("sql", "give either layer (a table) or sql (a query), not both");
  s.password_env = read_password_env(t, "password_env", s.path);
  s.crs = t.str("crs", "");
  s.x = t.str("x", "");
  s.y = t.str("y", "");
  if (s.kind == "csv") {
    if (s.x.empty()) t.fail("x", "a csv source needs x = \"<column with longitude or easting>\"");
    if (s.y.empty()) t.fail("y", "a csv source needs y = \"<column with latitude or northing>\"");
    if (s.crs.empty()) t.fail("crs", "a csv source carries no CRS: add e.g. crs = \"EPSG:4326\"");
  } else {
    if (!s.x.empty()) t.fail("x", "x and y are for csv sources only");
    if (!s.y.empty()) t.fail("y", "x and y are for csv sources only");
  }
  return s;
}

void read_ops(Table& t, Operationalization& ops) {
  if (auto m = t.str("method")) {
    if (*m != "proximity" && *m != "density" && *m != "both")
      t.fail("method", "expected \"proximity\", \"density\" or \"both\", found \"" + *m + "\"");
    ops.method = *m;
  }
  if (auto b = t.integer("max_influence_blocks")) {
    if (*b < 1 || *b > 20) t.fail("max_influence_blocks", "expected 1 to 20 blocks, found " + std::to_string(*b));
    ops.max_influence_blocks = *b;
  }
  if (auto i = t.str("increment")) {
    if (*i != "whole" && *i != "half") t.fail("increment", "expected \"whole\" or \"half\", found \"" + *i + "\"");
    ops.increment = *i;
  }
}
const std::vector<std::string> kOpsKeys = {"method", "max_influence_blocks", "increment"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

std::vector<double> Operationalization::distances_m(double block_length_m) const {
  const double step = increment == "half" ? block_length_m / 2.0 : block_length_m;
  const std::int64_t n = increment == "half" ? 2 * max_influence_blocks : max_influence_blocks;
  std::vector<double> d;
  for (std::int64_t i = 1; i <= n; ++i) d.push_back(step * static_cast<double>(i));
  return d;
}

double StudyConfig::max_influence_m() const {
  double m = static_cast<double>(default_ops.max_influence_blocks) * block_length_m;
  for (const auto& l : layers) m = std::max(m, static_cast<double>(l.ops.max_influence_blocks) * block_length_m);
  return m;
}

void apply_as_of(StudyConfig& c, const std::string& as_of) {
  const auto t = parse_civil_time(as_of, "%Y-%m-%d");
  if (!t) throw UsageError("--as-of: expected a date YYYY-MM-DD, found \"" + as_of + "\"");
  if (c.incidents.source.date_column.empty())
    throw ConfigError(c.file + ": incidents.date_column: an as-of run needs dated incidents");
  TimeWindow w;
  w.end_s = *t;
  w.start_s = *t - c.schedule.train_weeks * 7 * 86400;
  c.incidents.train = w;
  c.incidents.train_start = format_civil_date(w.start_s);
  c.incidents.train_end = format_civil_date(w.end_s - 86400);
}

StudyConfig load_study_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!fs::exists(path)) throw ConfigError("study file not found: " + path);
  if (fs::is_directory(path)) throw ConfigError(path + " is a folder, not a study file");
  if (!in) throw ConfigError("study file is not readable: " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_study_config(ss.str(), path);
}

StudyConfig parse_study_config(const std::string& text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream m;
    m << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": not valid TOML: "
      << e.description();
    throw ConfigError(m.str());
  }
  StudyConfig c;
  c.file = fs::absolute(path).lexically_normal().string();
  const fs::path base = fs::path(c.file).parent_path();
  Table top(root, "", path);

  // [study]
  const toml::table* st = top.table("study");
  if (st == nullptr) throw ConfigError(path + ": missing table [study]");
  Table study(*st, "study", path);
  c.name = study.required_str("name");
  if (c.name.empty()) study.fail("name", "must not be empty");
  c.crs = study.str("crs", "auto");
  const auto bl = study.number("block_length_m");
  if (!bl)
    throw ConfigError(study.at("block_length_m") + ": missing (the mean block length in metres, e.g. 200)" +
                      study.near_miss("block_length_m"));
  if (!(*bl > 0) || !std::isfinite(*bl))
    study.fail("block_length_m", "expected a positive length in metres");
  c.block_length_m = *bl;
  c.cell_size_m = study.number("cell_size_m").value_or(c.block_length_m / 2.0);
  if (!(c.cell_size_m > 0) || !std::isfinite(c.cell_size_m))
    study.fail("cell_size_m", "expected a positive cell size in metres, found " + std::to_string(c.cell_size_m));
  if (auto mc = study.integer("max_cells")) {
    if (*mc < 1) study.fail("max_cells", "expected a positive number of cells");
    c.max_cells = *mc;
  }
  const toml::table* at = study.table("area");
  if (at == nullptr)
    throw ConfigError(study.at("area") + ": missing (the study-area polygon: [study.area] source = ...)" +
                      study.near_miss("area"));
  Table area(*at, "study.area", path);
  c.area = read_source(area, "study.area", base);
  if (c.area.kind == "synthetic") area.fail("kind", "the study area must be read from a polygon source");
  area.finish(kSourceKeys);
  study.finish({"name", "crs", "block_length_m", "cell_size_m", "max_cells", "area"});

  // [operationalization] defaults
  if (const toml::table* ot = top.table("operationalization")) {
    Table ops(*ot, "operationalization", path);
    read_ops(ops, c.default_ops);
    ops.finish(kOpsKeys);
  }

  // [model]
  if (const toml::table* mt = top.table("model")) {
    Table mdl(*mt, "model", path);
    ModelConfig& m = c.model;
    m.mode = mdl.str("mode", m.mode);
    if (m.mode != "rtm" && m.mode != "additive")
      mdl.fail("mode", "expected \"rtm\" or \"additive\", found \"" + m.mode + "\"");
    m.alpha = mdl.number("alpha").value_or(m.alpha);
    if (!(m.alpha > 0 && m.alpha <= 1)) mdl.fail("alpha", "expected a number in (0, 1]");
    m.folds = mdl.integer("folds").value_or(m.folds);
    if (m.folds < 3 || m.folds > 50) mdl.fail("folds", "expected 3 to 50 folds");
    m.seed = mdl.integer("seed").value_or(m.seed);
    m.family = mdl.str("family", m.family);
    if (m.family != "auto" && m.family != "poisson" && m.family != "nb2" && m.family != "nbii")
      mdl.fail("family", "expected \"auto\", \"poisson\", \"nb2\" or \"nbii\", found \"" + m.family + "\"");
    m.negative_binomial = mdl.str("negative_binomial", m.negative_binomial);
    if (m.negative_binomial != "nb2" && m.negative_binomial != "nbii")
      mdl.fail("negative_binomial", "expected \"nb2\" or \"nbii\"");
    m.max_iterations = mdl.integer("max_iterations").value_or(m.max_iterations);
    if (m.max_iterations < 1 || m.max_iterations > 10000) mdl.fail("max_iterations", "expected 1 to 10000 iterations");
    mdl.finish({"mode", "alpha", "folds", "seed", "family", "negative_binomial", "max_iterations"});
  }

  // [exposure]
  if (const toml::table* et = top.table("exposure")) {
    Table ex(*et, "exposure", path);
    ExposureConfig& e = c.exposure;
    e.weeks = ex.integer("weeks").value_or(e.weeks);
    if (e.weeks < 1 || e.weeks > 104) ex.fail("weeks", "expected 1 to 104 weeks");
    e.bandwidth_m = ex.number("bandwidth_m").value_or(e.bandwidth_m);
    if (!(e.bandwidth_m > 0) && ex.has("bandwidth_m")) ex.fail("bandwidth_m", "expected a positive distance in metres");
    e.gi_distance_m = ex.number("gi_distance_m").value_or(e.gi_distance_m);
    if (!(e.gi_distance_m > 0) && ex.has("gi_distance_m"))
      ex.fail("gi_distance_m", "expected a positive distance in metres");
    e.fdr = ex.number("fdr").value_or(e.fdr);
    if (!(e.fdr > 0 && e.fdr < 1)) ex.fail("fdr", "expected a rate between 0 and 1, e.g. 0.05");
    ex.finish({"weeks", "bandwidth_m", "gi_distance_m", "fdr"});
  }
  // [places]
  if (const toml::table* pt = top.table("places")) {
    Table pl(*pt, "places", path);
    PlacesConfig& p = c.places;
    p.min_cells = pl.integer("min_cells").value_or(p.min_cells);
    if (p.min_cells < 1) pl.fail("min_cells", "expected at least 1 cell");
    p.connectivity = pl.integer("connectivity").value_or(p.connectivity);
    if (p.connectivity != 4 && p.connectivity != 8) pl.fail("connectivity", "expected 4 or 8");
    p.top_features = pl.integer("top_features").value_or(p.top_features);
    if (p.top_features < 1) pl.fail("top_features", "expected at least 1");
    pl.finish({"min_cells", "connectivity", "top_features"});
  }

  // [render]
  if (const toml::table* rt = top.table("render")) {
    Table rn(*rt, "render", path);
    RenderConfig& r = c.render;
    auto boolean = [&](const std::string& key, bool def) {
      const toml::node* n = rn.node(key);
      if (n == nullptr) return def;
      if (!n->is_boolean()) rn.fail(key, "expected true or false, found " + type_name(*n));
      return *n->value<bool>();
    };
    r.briefing = boolean("briefing", r.briefing);
    r.map = boolean("map", r.map);
    r.landscape = boolean("landscape", r.landscape);
    r.audience = rn.str("audience", r.audience);
    if (r.audience != "public" && r.audience != "internal")
      rn.fail("audience", "expected \"public\" or \"internal\", found \"" + r.audience + "\"");
    r.paper = rn.str("paper", r.paper);
    if (r.paper != "letter" && r.paper != "a4") rn.fail("paper", "expected \"letter\" or \"a4\", found \"" + r.paper + "\"");
    if (rn.has("context") && !rn.node("context")->is_table())
      rn.fail("context", "expected a table: [render.context] with source = \"districts.geojson\" and label = "
                         "\"<attribute naming each polygon>\"");
    if (const toml::table* ct = rn.table("context")) {
      Table cx(*ct, "render.context", path);
      r.context = read_source(cx, "render.context", base);
      if (r.context->kind == "synthetic") cx.fail("kind", "context outlines come from a file, not a synthetic layer");
      r.context_label = cx.required_str("label");
      if (r.context_label.empty()) cx.fail("label", "expected the name of the attribute that names each polygon");
      cx.finish(concat(kSourceKeys, {"label"}));
    }
    rn.finish({"briefing", "map", "audience", "paper", "landscape", "context"});
  }

  // [schedule]
  if (const toml::table* sc = top.table("schedule")) {
    Table sch(*sc, "schedule", path);
    ScheduleConfig& s = c.schedule;
    s.train_weeks = sch.integer("train_weeks").value_or(s.train_weeks);
    if (s.train_weeks < 1 || s.train_weeks > 520) sch.fail("train_weeks", "expected 1 to 520 weeks");
    s.forecast_days = sch.integer("forecast_days").value_or(s.forecast_days);
    if (s.forecast_days < 1 || s.forecast_days > 366) sch.fail("forecast_days", "expected 1 to 366 days");
    s.reselect_weeks = sch.integer("reselect_weeks").value_or(s.reselect_weeks);
    if (s.reselect_weeks < 0) sch.fail("reselect_weeks", "expected 0 (re-select every run) or more weeks");
    s.ledger = sch.str("ledger", "");
    if (!s.ledger.empty() && !io::is_database_source(s.ledger))
      sch.fail("ledger", "expected a PostgreSQL connection string \"PG:dbname=... host=...\", found \"" +
                             io::redact_source(s.ledger) + "\" (without the key the ledger is RUNS/ledger.gpkg)");
    s.ledger_password_env = read_password_env(sch, "ledger_password_env", s.ledger.empty() ? "RUNS/ledger.gpkg" : s.ledger);
    sch.finish({"train_weeks", "forecast_days", "reselect_weeks", "ledger", "ledger_password_env"});
  }

  // [incidents]
  const toml::table* it = top.table("incidents");
  if (it == nullptr) throw ConfigError(path + ": missing table [incidents]");
  Table inc(*it, "incidents", path);
  c.incidents.source = read_source(inc, "incidents", base);
  c.incidents.crime_type = inc.str("crime_type", "incidents");
  c.incidents.source.date_column = inc.str("date_column", "");
  c.incidents.source.date_format = inc.str("date_format", "iso");
  auto ts = inc.date("train_start");
  auto te = inc.date("train_end");
  if (ts || te) {
    if (c.incidents.source.date_column.empty())
      inc.fail(ts ? "train_start" : "train_end", "a training window needs date_column" + inc.near_miss("date_column"));
    if (!ts) inc.fail("train_start", "missing: train_end is given, train_start is not");
    if (!te) inc.fail("train_end", "missing: train_start is given, train_end is not");
    TimeWindow w;
    w.start_s = *parse_civil_time(*ts, "%Y-%m-%d");
    w.end_s = *parse_civil_time(*te, "%Y-%m-%d") + 86400;  // the end date is inclusive
    if (w.end_s <= w.start_s) inc.fail("train_end", "ends before train_start (" + *ts + ")");
    c.incidents.train = w;
    c.incidents.train_start = *ts;
    c.incidents.train_end = *te;
  }
  if (auto f = inc.number("max_unparsable_dates")) {
    if (*f < 0 || *f > 1) inc.fail("max_unparsable_dates", "expected a fraction between 0 and 1");
    c.incidents.max_unparsable_dates = *f;
  }
  inc.finish(concat(kSourceKeys, {"crime_type", "date_column", "date_format", "train_start", "train_end",
                                  "max_unparsable_dates"}));

  // [goal]
  if (const toml::table* gt = top.table("goal")) {
    Table gl(*gt, "goal", path);
    GoalConfig& g = c.goal;
    g.enabled = true;
    const auto r = gl.number("reduction");
    if (!r)
      throw ConfigError(gl.at("reduction") + ": missing (the fraction fewer incidents the goal asks for, e.g. "
                                            "reduction = 0.20 for 20 % fewer)" + gl.near_miss("reduction"));
    if (!(*r > 0 && *r < 1)) {
      char found[160];
      if (*r >= 1 && *r < 100)
        std::snprintf(found, sizeof found, "%g (a fraction: %g %% fewer is reduction = %g)", *r, *r, *r / 100);
      else
        std::snprintf(found, sizeof found, "%g", *r);
      gl.fail("reduction", std::string("expected a fraction between 0 and 1, e.g. 0.20 for 20 % fewer, found ") + found);
    }
    g.reduction = *r;
    const auto by = gl.integer("baseline_year");
    if (!by)
      throw ConfigError(gl.at("baseline_year") + ": missing (the year whose same weeks the counts are compared "
                                                "with, e.g. baseline_year = 2017)" + gl.near_miss("baseline_year"));
    if (*by < 1900 || *by > 2200) gl.fail("baseline_year", "expected a year such as 2017, found " + std::to_string(*by));
    g.baseline_year = *by;
    if (auto start = gl.date("start")) {
      g.start = *start;
      g.start_s = *parse_civil_time(*start, "%Y-%m-%d");
      const IsoWeekDate w = iso_week_date(g.start_s);
      if (w.year <= g.baseline_year)
        gl.fail("start", "expected a date after baseline_year " + std::to_string(g.baseline_year) + ", found " + *start +
                             " (ISO year " + std::to_string(w.year) + ")");
      if (!from_iso_week_date(static_cast<int>(g.baseline_year), w.week, w.weekday))
        gl.fail("start", *start + " is in ISO week 53 of " + std::to_string(w.year) + ", which baseline_year " +
                             std::to_string(g.baseline_year) + " does not have: start a week earlier or later");
    } else {
      g.start_s = *from_iso_week_date(static_cast<int>(g.baseline_year) + 1, 1, 1);
      g.start = format_civil_date(g.start_s);
    }
    if (const toml::node* sn = gl.node("scope")) {
      const toml::array* arr = sn->as_array();
      if (arr == nullptr) {
        std::string hint = sn->is_string() ? " (write scope = [\"" + *sn->value<std::string>() + "\"])" : "";
        gl.fail("scope", "expected a list of \"citywide\" and \"places\", found " + type_name(*sn) + hint);
      }
      if (arr->empty()) gl.fail("scope", "expected at least one of \"citywide\" and \"places\", found an empty list");
      g.citywide = g.places = false;
      for (const auto& e : *arr) {
        if (!e.is_string()) gl.fail("scope", "expected \"citywide\" or \"places\" in the list, found " + type_name(e));
        const std::string v = *e.value<std::string>();
        bool& flag = v == "citywide" ? g.citywide : g.places;
        if (v != "citywide" && v != "places") {
          auto close = [&](const std::string& name) {
            return edit_distance(v, name) <= 3 || (v.size() >= 3 && name.rfind(v, 0) == 0);
          };
          const std::string near = close("citywide") ? "citywide" : close("places") ? "places" : "";
          gl.fail("scope", "expected \"citywide\" or \"places\", found \"" + v + "\"" +
                               (near.empty() ? "" : " (did you mean \"" + near + "\"?)"));
        }
        if (flag) gl.fail("scope", "\"" + v + "\" is listed twice");
        flag = true;
      }
    }
    if (c.incidents.source.date_column.empty())
      throw ConfigError(gl.at("reduction") + ": a goal compares weeks, so it needs dated incidents: set "
                                             "incidents.date_column" + inc.near_miss("date_column"));
    if (g.places && c.model.mode != "rtm")
      gl.fail("scope", "\"places\" needs the high-risk places of model mode \"rtm\" (model.mode is \"" +
                           c.model.mode + "\"): use scope = [\"citywide\"]");
    gl.finish({"reduction", "baseline_year", "start", "scope"});
  }

  // [[layers]]
  if (const toml::node* ln = top.node("layers")) {
    if (!ln->is_array_of_tables()) top.fail("layers", "expected [[layers]] tables, found " + type_name(*ln));
    const auto& arr = *ln->as_array();
    std::set<std::string> names;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const toml::table& lt = *arr[i].as_table();
      const std::string kp = "layers[" + std::to_string(i) + "]";
      Table l(lt, kp, path);
      LayerConfig lc;
      lc.line = line_of(lt);
      lc.name = l.required_str("name");
      bool ok_name = !lc.name.empty();
      for (char ch : lc.name) ok_name = ok_name && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
      if (!ok_name) l.fail("name", "expected letters, digits and '_' only (it names candidates and tables), found \"" + lc.name + "\"");
      if (!names.insert(lc.name).second) l.fail("name", "layer name '" + lc.name + "' is used twice");
      if (lc.name == "study_area" || lc.name == "incidents" || lc.name == "context")
        l.fail("name", "'" + lc.name + "' is reserved (a table of layers.gpkg); choose another name");
      lc.source = read_source(l, kp + " (" + lc.name + ")", base);
      lc.source.date_column = l.str("date_column", "");
      lc.source.date_format = l.str("date_format", "iso");
      lc.ops = c.default_ops;
      read_ops(l, lc.ops);
      lc.geometry = l.str("geometry", "");
      if (!lc.geometry.empty() && lc.geometry != "point" && lc.geometry != "line" && lc.geometry != "polygon")
        l.fail("geometry", "expected \"point\", \"line\" or \"polygon\", found \"" + lc.geometry + "\"");
      lc.label = l.str("label", "");
      if (const toml::table* syn = l.table("synthetic")) {
        if (lc.source.kind != "synthetic") l.fail("synthetic", "only for kind = \"synthetic\"");
        Table s(*syn, kp + ".synthetic", path);
        auto& sp = lc.source.synthetic;
        sp.geometry = s.str("geometry", sp.geometry);
        sp.count = s.integer("count").value_or(sp.count);
        sp.seed = static_cast<std::uint64_t>(s.integer("seed").value_or(static_cast<std::int64_t>(sp.seed)));
        sp.pattern = s.str("pattern", sp.pattern);
        sp.clusters = s.integer("clusters").value_or(sp.clusters);
        sp.spread_m = s.number("spread_m").value_or(sp.spread_m);
        s.finish({"geometry", "count", "seed", "pattern", "clusters", "spread_m"});
        if (lc.geometry.empty()) lc.geometry = sp.geometry;
      }
      l.finish(concat(concat(kSourceKeys, kOpsKeys),
                      {"name", "date_column", "date_format", "geometry", "label", "synthetic"}));
      c.layers.push_back(std::move(lc));
    }
  }
  top.finish({"study", "incidents", "operationalization", "model", "exposure", "places", "schedule", "render", "goal", "layers"});
  return c;
}

}  // namespace rtm::pipeline
