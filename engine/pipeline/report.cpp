#include "pipeline/report.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "core/text.hpp"
#include "core/version.hpp"
#include "io/gdal_env.hpp"
#include "io/hash.hpp"
#include "io/redact.hpp"
#include "render/mapnik_env.hpp"

namespace rtm::pipeline {

namespace {

nlohmann::json drops_json(const DropLog& log) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [why, e] : log.reasons) j[why] = {{"count", e.count}, {"first", e.first_example}};
  return j;
}

nlohmann::json source_json(const layers::LayerSource& src, const FeatureSet& fs) {
  nlohmann::json j{{"kind", src.kind},
                   {"source", src.kind == "synthetic" ? fs.source : io::redact_source(src.path)},
                   {"driver", fs.driver},
                   {"source_crs", fs.source_crs},
                   {"geometry", to_string(fs.kind)},
                   {"read", fs.read},
                   {"kept", fs.features.size()},
                   {"dropped", drops_json(fs.dropped)},
                   {"repaired", drops_json(fs.repaired)}};
  if (!src.layer.empty()) j["layer"] = src.layer;
  if (!src.filter.empty()) j["filter"] = src.filter;
  if (!src.sql.empty()) j["sql"] = src.sql;
  if (io::is_database_source(src.path)) {
    j["rows_sha256"] = fs.rows_sha256;  // no file to hash: the rows read (see config/README.md)
  } else if (src.kind != "synthetic" && src.path.rfind("PG:", 0) != 0) {
    std::string p = src.path;
    if (p.rfind("/vsigzip/", 0) == 0) p = p.substr(9);
    j["sha256"] = io::sha256_file(p);
  }
  return j;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ops_text(const Operationalization& o, double block_length_m) {
  const auto d = o.distances_m(block_length_m);
  return o.method + ", " + std::to_string(o.max_influence_blocks) + " blocks by " + o.increment + ": " +
         fmt_fixed(d.front(), 0) + ".." + fmt_fixed(d.back(), 0) + " m (" + std::to_string(d.size()) + " bands)";
}

void drops_text(std::ostringstream& o, const FeatureSet& fs, const char* indent) {
  for (const auto& [why, e] : fs.dropped.reasons)
    o << indent << "dropped " << fmt_count(e.count) << ": " << why << " (first: " << e.first_example << ")\n";
  for (const auto& [why, e] : fs.repaired.reasons)
    o << indent << "repaired " << fmt_count(e.count) << ": " << why << " (first: " << e.first_example << ")\n";
}

}  // namespace

nlohmann::json provenance(const Study& study) {
  nlohmann::json versions{{"rtm", kRtmVersion}, {"mapnik", render::mapnik_version()}};
  for (const auto& [k, v] : io::library_versions()) versions[k] = v;
  return {{"versions", versions},
          {"study_file", study.config.file},
          {"study_file_sha256", io::sha256_file(study.config.file)},
          {"created_utc", utc_now()}};
}

nlohmann::json study_report(const Study& s) {
  const GridSpec& g = s.grid;
  nlohmann::json grid{{"crs", g.crs_name},
                      {"crs_origin", s.crs_origin},
                      {"cell_size_m", g.cell_size_m},
                      {"cols", g.cols},
                      {"rows", g.rows},
                      {"cells", g.cell_count()},
                      {"study_cells", s.study_cells},
                      {"study_area_km2", s.area.area() / 1e6},
                      {"extent", {{"west", g.west}, {"south", g.south()}, {"east", g.east()}, {"north", g.north}}}};
  const IncidentCounts& ic = s.incident_counts;
  nlohmann::json inc = source_json(s.config.incidents.source, s.incidents);
  inc["crime_type"] = s.config.incidents.crime_type;
  if (!s.config.incidents.source.date_column.empty()) {
    inc["date_column"] = s.config.incidents.source.date_column;
    inc["date_format"] = s.config.incidents.source.date_format;
    inc["first_time"] = ic.first_time;
    inc["last_time"] = ic.last_time;
  }
  if (s.config.incidents.train)
    inc["window"] = {{"start", s.config.incidents.train_start}, {"end", s.config.incidents.train_end},
                     {"end_inclusive", true}};
  inc["counts"] = {{"in_area", ic.in_area},
                   {"before_window", ic.before_window},
                   {"after_window", ic.after_window},
                   {"in_window", ic.in_window},
                   {"in_window_in_edge_cells", ic.in_edge_cells},
                   {"counted", ic.counted},
                   {"cells_with_incidents", ic.cells_with_incidents},
                   {"max_per_cell", ic.max_per_cell}};
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const LayerConfig& lc = s.config.layers[i];
    nlohmann::json l = source_json(lc.source, s.layers[i]);
    l["name"] = lc.name;
    l["clip_buffer_m"] = s.layer_clip_m[i];
    l["operationalization"] = {{"method", lc.ops.method},
                               {"max_influence_blocks", lc.ops.max_influence_blocks},
                               {"increment", lc.ops.increment},
                               {"distances_m", lc.ops.distances_m(s.config.block_length_m)}};
    layers.push_back(l);
  }
  nlohmann::json area = source_json(s.config.area, s.area_source);
  nlohmann::json out = {{"study", {{"name", s.config.name}, {"block_length_m", s.config.block_length_m}}},
                        {"grid", grid},
                        {"area", area},
                        {"incidents", inc},
                        {"layers", layers},
                        {"warnings", s.warnings}};
  if (s.config.render.context) {
    // Context outlines of the maps (layers.gpkg, table context).
    nlohmann::json cx = source_json(*s.config.render.context, s.context);
    cx["label"] = s.config.render.context_label;
    out["context"] = cx;
  }
  return out;
}

std::string validate_summary(const Study& s) {
  std::ostringstream o;
  const GridSpec& g = s.grid;
  o << "study    " << s.config.name << "  (" << s.config.file << ")\n";
  o << "crs      " << g.crs_name << "  (" << s.crs_origin << ")\n";
  o << "grid     " << fmt_fixed(g.cell_size_m, 1) << " m cells, " << fmt_count(g.cols) << " x " << fmt_count(g.rows)
    << " = " << fmt_count(g.cell_count()) << " cells, " << fmt_count(s.study_cells) << " study cells ("
    << fmt_fixed(s.area.area() / 1e6, 2) << " km2 of study area)\n";
  o << "extent   W " << fmt_fixed(g.west, 0) << "  S " << fmt_fixed(g.south(), 0) << "  E " << fmt_fixed(g.east(), 0) << "  N "
    << fmt_fixed(g.north, 0) << "\n";
  o << "area     " << io::redact_source(s.config.area.path) << ": " << s.area_source.features.size() << " polygon feature(s), "
    << s.area_source.source_crs << "\n\n";

  const FeatureSet& inc = s.incidents;
  const IncidentCounts& ic = s.incident_counts;
  o << "incidents  " << s.config.incidents.crime_type << " from " << io::redact_source(s.config.incidents.source.path) << "\n";
  o << "  " << inc.driver << ", " << inc.source_crs << ": read " << fmt_count(inc.read) << ", "
    << fmt_count(ic.in_area) << " inside the study area";
  if (!ic.first_time.empty()) o << ", dated " << ic.first_time << " .. " << ic.last_time;
  o << "\n";
  drops_text(o, inc, "  ");
  if (s.config.incidents.train)
    o << "  window " << s.config.incidents.train_start << " .. " << s.config.incidents.train_end << " (inclusive): "
      << fmt_count(ic.in_window) << " incidents (" << fmt_count(ic.before_window) << " before, "
      << fmt_count(ic.after_window) << " after)\n";
  o << "  counted in study cells: " << fmt_count(ic.counted) << " in " << fmt_count(ic.cells_with_incidents)
    << " cells (max " << ic.max_per_cell << " per cell); " << fmt_count(ic.in_edge_cells)
    << " in edge cells whose centre is outside the area\n\n";

  o << "layers (" << s.layers.size() << ")\n";
  char head[200];
  std::snprintf(head, sizeof head, "  %-22s %-8s %-20s %9s %9s %9s\n", "name", "geometry", "source crs", "read",
                "kept", "dropped");
  o << head;
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const FeatureSet& l = s.layers[i];
    char row[300];
    std::snprintf(row, sizeof row, "  %-22s %-8s %-20s %9s %9s %9s\n", s.config.layers[i].name.c_str(),
                  to_string(l.kind), l.source_crs.c_str(), fmt_count(l.read).c_str(),
                  fmt_count(static_cast<std::int64_t>(l.features.size())).c_str(),
                  fmt_count(l.dropped.total()).c_str());
    o << row;
    o << "      " << ops_text(s.config.layers[i].ops, s.config.block_length_m) << "; kept within "
      << fmt_fixed(s.layer_clip_m[i], 0) << " m of the area\n";
    drops_text(o, l, "      ");
  }
  if (!s.warnings.empty()) {
    o << "\nwarnings\n";
    for (const auto& w : s.warnings) o << "  " << w << "\n";
  }
  return o.str();
}

}  // namespace rtm::pipeline
