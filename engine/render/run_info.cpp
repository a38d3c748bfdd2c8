#include "render/run_info.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace rtm::render {

namespace {

const nlohmann::json& need(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key))
    throw RenderError(where + " has no \"" + key + "\": is it the report of an `rtm run` in mode \"rtm\"?");
  return j.at(key);
}

std::string str_or(const nlohmann::json& j, const char* key, const std::string& fallback) {
  if (j.is_object() && j.contains(key) && j.at(key).is_string()) return j.at(key).get<std::string>();
  return fallback;
}

double num_or(const nlohmann::json& j, const char* key, double fallback) {
  if (j.is_object() && j.contains(key) && j.at(key).is_number()) return j.at(key).get<double>();
  return fallback;
}

}  // namespace

std::string sentence_case(const std::string& s) {
  std::string out = s;
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string humanize(const std::string& name) {
  std::string out = name;
  for (auto& c : out)
    if (c == '_') c = ' ';
  return out;
}

RunInfo read_run_info(const std::string& run_dir) {
  std::error_code ec;
  const fs::path dir = fs::absolute(run_dir, ec);
  if (!fs::is_directory(dir)) throw RenderError("run folder " + run_dir + " does not exist");
  const fs::path report_path = dir / "report.json";
  std::ifstream in(report_path);
  if (!in) throw RenderError(report_path.string() + " cannot be read: is " + run_dir + " a run folder of `rtm run`?");
  nlohmann::json r;
  try {
    in >> r;
  } catch (const std::exception& e) {
    throw RenderError(report_path.string() + " is not valid JSON: " + e.what());
  }
  const std::string where = report_path.string();
  for (const char* f : {"classes.tif", "places.gpkg"})
    if (!fs::exists(dir / f))
      throw RenderError(run_dir + " has no " + f + ": maps need the risk classes and places of an `rtm run` in mode \"rtm\"");

  RunInfo info;
  info.run_dir = fs::canonical(dir, ec).string();
  if (ec) info.run_dir = dir.lexically_normal().string();
  if (!info.run_dir.empty() && info.run_dir.back() == '/') info.run_dir.pop_back();

  const auto& grid = need(r, "grid", where);
  info.crs = need(grid, "crs", where + " grid").get<std::string>();
  const auto& ext = need(grid, "extent", where + " grid");
  info.west = num_or(ext, "west", 0);
  info.south = num_or(ext, "south", 0);
  info.east = num_or(ext, "east", 0);
  info.north = num_or(ext, "north", 0);
  info.cell_size_m = num_or(grid, "cell_size_m", 0);
  info.cols = static_cast<long>(num_or(grid, "cols", 0));
  info.rows = static_cast<long>(num_or(grid, "rows", 0));
  info.study_area_km2 = num_or(grid, "study_area_km2", 0);
  if (!(info.east > info.west && info.north > info.south) || info.cols <= 0 || info.cell_size_m <= 0)
    throw RenderError(where + ": the grid extent is empty or invalid");
  info.units_per_metre = (info.east - info.west) / (static_cast<double>(info.cols) * info.cell_size_m);

  if (r.contains("study")) info.study_name = str_or(r["study"], "name", "");
  const auto& inc = need(r, "incidents", where);
  info.crime_type = str_or(inc, "crime_type", "incidents");
  if (inc.contains("window")) {
    info.train_start = str_or(inc["window"], "start", "");
    info.train_end = str_or(inc["window"], "end", "");
  }
  const auto& expo = need(r, "exposure", where);
  info.as_of = str_or(expo, "as_of", "");
  if (expo.contains("recent_window")) {
    info.recent_start = str_or(expo["recent_window"], "start", "");
    info.recent_end = str_or(expo["recent_window"], "end", "");
    info.recent_weeks = static_cast<int>(num_or(expo["recent_window"], "weeks", 0));
  }
  if (r.contains("provenance")) info.created_utc = str_or(r["provenance"], "created_utc", "");
  const auto& head = need(r, "headline", where);
  info.place_area_share = num_or(head, "place_area_share", 0);
  info.place_incident_share = num_or(head, "place_incident_share", 0);
  info.place_count = static_cast<long>(num_or(head, "places", 0));
  if (r.contains("classes")) info.class_rule = str_or(r["classes"], "rule", "");

  for (const auto& p : need(r, "places", where)) {
    PlaceRow row;
    row.rank = static_cast<int>(num_or(p, "rank", 0));
    row.area_km2 = num_or(p, "area_km2", 0);
    row.mean_risk = num_or(p, "mean_risk", 0);
    row.max_risk = num_or(p, "max_risk", 0);
    row.expected = num_or(p, "expected", 0);
    row.observed_recent = static_cast<long>(num_or(p, "observed_recent", 0));
    row.observed_train = static_cast<long>(num_or(p, "observed_train", 0));
    row.risk_class = str_or(p, "class", "");
    row.priority = row.risk_class.find("priority") != std::string::npos;
    row.busiest_days = str_or(p, "busiest_days", "");
    row.busiest_hours = str_or(p, "busiest_hours", "");
    // Factor names once each, the strongest (largest RRV) first.
    std::vector<std::pair<std::string, double>> factors;
    if (p.contains("factors") && p["factors"].is_array())
      for (const auto& f : p["factors"]) {
        const std::string name = str_or(f, "factor", "");
        if (name.empty()) continue;
        const double rrv = num_or(f, "rrv", 1);
        auto it = std::find_if(factors.begin(), factors.end(), [&](const auto& e) { return e.first == name; });
        if (it == factors.end()) factors.emplace_back(name, rrv);
        else it->second = std::max(it->second, rrv);
      }
    row.narrative = str_or(p, "narrative", "");
    if (p.contains("factors") && p["factors"].is_array())
      for (const auto& f : p["factors"])
        if (f.contains("features") && f["features"].is_array())
          for (const auto& feat : f["features"])
            row.features.push_back({str_or(f, "factor", ""), static_cast<long>(num_or(feat, "feature_id", -1)),
                                    str_or(feat, "label", "")});
    std::stable_sort(factors.begin(), factors.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& f : factors) row.factors.push_back(f.first);
    info.places.push_back(std::move(row));
  }
  if (r.contains("leverage")) info.leverage_caveat = str_or(r["leverage"], "caveat", "");
  if (r.contains("goal")) info.goal_text = str_or(r["goal"], "text", "");

  // The model's factors and their geometry; the features are in layers.gpkg.
  if (r.contains("model") && r["model"].is_object()) {
    for (const char* list : {"factors", "protective_factors"}) {
      if (!r["model"].contains(list) || !r["model"][list].is_array()) continue;
      for (const auto& f : r["model"][list]) {
        const std::string name = str_or(f, "factor", "");
        if (name.empty()) continue;
        if (std::any_of(info.factors.begin(), info.factors.end(), [&](const MapFactor& m) { return m.name == name; }))
          continue;
        MapFactor m;
        m.name = name;
        m.protective = std::string(list) == "protective_factors";
        m.geometry = "point";
        if (r.contains("layers") && r["layers"].is_array())
          for (const auto& l : r["layers"])
            if (str_or(l, "name", "") == name) m.geometry = str_or(l, "geometry", "point");
        info.factors.push_back(m);
      }
    }
  }
  if (r.contains("context") && r["context"].is_object()) {
    info.has_context = true;
    info.context_label = str_or(r["context"], "label", "");
  }
  if ((!info.factors.empty() || info.has_context) && !fs::exists(dir / "layers.gpkg"))
    throw RenderError(run_dir + " has no layers.gpkg: the maps draw the model's factors and context outlines from it");
  return info;
}

}  // namespace rtm::render
