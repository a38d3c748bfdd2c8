#include "pipeline/goal.hpp"

#include <cmath>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace rtm::pipeline {

namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Day number (days since 1970-01-01, a Thursday) -> ISO weekday 1..7.
int weekday_of(std::int64_t day) { return static_cast<int>(((day + 3) % 7 + 7) % 7) + 1; }

// Day number of the Monday of ISO week 1 (the week holding 4 January).
std::int64_t week1_monday(int year) {
  const std::int64_t jan4 = days_from_civil(year, 1, 4);
  return jan4 - (weekday_of(jan4) - 1);
}

int civil_year(std::int64_t day) { return std::stoi(format_civil_date(day * kDay).substr(0, 4)); }

std::string signed_percent(const nlohmann::json& v) {
  if (!v.is_number()) return "n/a";
  const double p = v.get<double>();
  return (p > 0 ? "+" : "") + fmt_fixed(p, 1) + " %";
}

}  // namespace

IsoWeekDate iso_week_date(std::int64_t day_s) {
  const std::int64_t day = floor_div(day_s, kDay);
  int y = civil_year(day);
  if (day >= week1_monday(y + 1)) ++y;
  else if (day < week1_monday(y)) --y;
  return {y, static_cast<int>((day - week1_monday(y)) / 7 + 1), weekday_of(day)};
}

int iso_weeks_in_year(int year) { return static_cast<int>((week1_monday(year + 1) - week1_monday(year)) / 7); }

std::optional<std::int64_t> from_iso_week_date(int year, int week, int weekday) {
  if (week < 1 || week > iso_weeks_in_year(year) || weekday < 1 || weekday > 7) return std::nullopt;
  return (week1_monday(year) + 7 * (week - 1) + (weekday - 1)) * kDay;
}

GoalWindows goal_windows(const GoalConfig& goal, std::int64_t as_of_s) {
  const IsoWeekDate s = iso_week_date(goal.start_s);
  const auto base = from_iso_week_date(static_cast<int>(goal.baseline_year), s.week, s.weekday);
  if (!base)
    throw ConfigError("goal.start: " + goal.start + " is in ISO week " + std::to_string(s.week) + " of " +
                      std::to_string(s.year) + ", which baseline_year " + std::to_string(goal.baseline_year) +
                      " does not have (it has " + std::to_string(iso_weeks_in_year(static_cast<int>(goal.baseline_year))) +
                      " weeks): start a week earlier or later");
  GoalWindows w;
  w.start_s = goal.start_s;
  w.end_s = std::max(as_of_s, goal.start_s);
  w.started = as_of_s > goal.start_s;
  const std::int64_t shift_s = goal.start_s - *base;
  w.shift_days = shift_s / kDay;
  w.baseline_start_s = w.start_s - shift_s;
  w.baseline_end_s = w.end_s - shift_s;
  return w;
}

nlohmann::json goal_progress(const GoalConfig& goal, std::int64_t as_of_s, const std::vector<GoalIncident>& incidents,
                             const std::string& crime_type, std::int64_t places, std::int64_t place_cells) {
  const GoalWindows w = goal_windows(goal, as_of_s);
  const std::string pct = fmt_fixed(goal.reduction * 100.0, goal.reduction * 100.0 == std::round(goal.reduction * 100.0) ? 0 : 1);
  nlohmann::json j;
  j["reduction"] = goal.reduction;
  j["baseline_year"] = goal.baseline_year;
  j["start"] = goal.start;
  j["statement"] = pct + " % fewer " + crime_type + " incidents than in the same ISO weeks of " +
                   std::to_string(goal.baseline_year) + ", counted from " + goal.start;
  j["alignment"] = "ISO week: the baseline window is the goal window moved back " + std::to_string(w.shift_days / 7) +
                   " weeks, to the same ISO week numbers and weekdays of " + std::to_string(goal.baseline_year) +
                   " (each weekday counted as often in both)";
  j["rule"] = "target = baseline count x (1 - reduction); on track when the observed count is at most the target; "
              "change = (observed - baseline) / baseline";
  j["status"] = w.started ? "tracking" : "not started";
  const auto window = [](std::int64_t a, std::int64_t b) {
    return nlohmann::json{{"start", format_civil_date(a)},
                          {"end", b > a ? nlohmann::json(format_civil_date(b - kDay)) : nlohmann::json(nullptr)},
                          {"end_inclusive", true},
                          {"days", (b - a) / kDay}};
  };
  j["window"] = window(w.start_s, w.end_s);
  j["baseline_window"] = window(w.baseline_start_s, w.baseline_end_s);
  j["windows_overlap"] = w.baseline_end_s > w.start_s;
  std::int64_t first = INT64_MAX;
  for (const auto& i : incidents) first = std::min(first, i.time_s);
  j["baseline_before_data"] = w.started && (incidents.empty() || first >= w.baseline_start_s + 7 * kDay);

  nlohmann::json scopes = nlohmann::json::object();
  auto scope = [&](bool only_places, const std::string& definition) {
    std::int64_t base = 0, obs = 0;
    for (const auto& i : incidents) {
      if (only_places && !i.in_places) continue;
      if (i.time_s >= w.baseline_start_s && i.time_s < w.baseline_end_s) ++base;
      if (i.time_s >= w.start_s && i.time_s < w.end_s) ++obs;
    }
    nlohmann::json s{{"definition", definition}};
    if (w.started) {
      const double target = static_cast<double>(base) * (1.0 - goal.reduction);
      s["baseline"] = base;
      s["target"] = target;
      s["observed"] = obs;
      s["change_percent"] = base > 0 ? nlohmann::json(100.0 * static_cast<double>(obs - base) / static_cast<double>(base))
                                     : nlohmann::json(nullptr);
      s["on_track"] = static_cast<double>(obs) <= target;
    } else {
      for (const char* k : {"baseline", "target", "observed", "change_percent", "on_track"}) s[k] = nullptr;
    }
    return s;
  };
  if (goal.citywide)
    scopes["citywide"] = scope(false, "incidents in the study cells (the cells of counts.tif), whatever the window");
  if (goal.places) {
    nlohmann::json s = scope(true, "incidents in the cells of this run's " + std::to_string(places) +
                                       " high-risk places (places.gpkg), the same cells in both windows");
    s["places"] = places;
    s["cells"] = place_cells;
    scopes["places"] = s;
  }
  j["scopes"] = scopes;
  return j;
}

namespace {

std::string scope_text(const nlohmann::json& s, const char* name, bool markdown) {
  if (!s["on_track"].is_boolean()) return std::string(name) + ": not started";
  const std::string track = s["on_track"].get<bool>() ? "on track" : "not on track";
  return std::string(name) + " " + std::to_string(s["observed"].get<std::int64_t>()) + " vs " +
         std::to_string(s["baseline"].get<std::int64_t>()) + " (" + signed_percent(s["change_percent"]) +
         "; target at most " + fmt_fixed(s["target"].get<double>(), 1) + "): " + (markdown ? "**" + track + "**" : track);
}

std::string windows_text(const nlohmann::json& g) {
  const auto& w = g["window"];
  const auto& b = g["baseline_window"];
  if (!w["end"].is_string()) return "starts " + w["start"].get<std::string>();
  return w["start"].get<std::string>() + " to " + w["end"].get<std::string>() + " vs " +
         b["start"].get<std::string>() + " to " + b["end"].get<std::string>();
}

}  // namespace

std::string goal_line(const nlohmann::json& g) {
  std::string out = "Goal: " + g["statement"].get<std::string>() + " (" + windows_text(g) + "). ";
  const auto& sc = g["scopes"];
  if (sc.contains("citywide")) out += scope_text(sc["citywide"], "Citywide", false);
  if (sc.contains("places"))
    out += std::string(sc.contains("citywide") ? "; " : "") +
           scope_text(sc["places"], (std::string(sc.contains("citywide") ? "in" : "In") + " the " +
                                     std::to_string(sc["places"]["places"].get<std::int64_t>()) + " places").c_str(),
                      false);
  return out + ".";
}

std::string goal_markdown(const nlohmann::json& g) {
  std::string md = "## Goal\n\n" + g["statement"].get<std::string>() + ".\n\n";
  const auto& w = g["window"];
  if (!w["end"].is_string()) return md + "Not started: the goal counts from " + w["start"].get<std::string>() + ".\n\n";
  md += "Weeks so far: " + w["start"].get<std::string>() + " to " + w["end"].get<std::string>() + " (" +
        std::to_string(w["days"].get<std::int64_t>()) + " days), compared with " +
        g["baseline_window"]["start"].get<std::string>() + " to " + g["baseline_window"]["end"].get<std::string>() +
        " (the same ISO weeks of " + std::to_string(g["baseline_year"].get<std::int64_t>()) + ").\n\n";
  md += "| scope | baseline | target | observed | change | on track |\n|---|---|---|---|---|---|\n";
  for (const auto& [name, s] : g["scopes"].items()) {
    const std::string label =
        name == "places" ? "in the " + std::to_string(s["places"].get<std::int64_t>()) + " places" : name;
    md += "| " + label + " | " + std::to_string(s["baseline"].get<std::int64_t>()) + " | " +
          fmt_fixed(s["target"].get<double>(), 1) + " | " + std::to_string(s["observed"].get<std::int64_t>()) + " | " +
          signed_percent(s["change_percent"]) + " | " + (s["on_track"].get<bool>() ? "yes" : "no") + " |\n";
  }
  md += "\n" + g["rule"].get<std::string>() + ".";
  if (g["scopes"].contains("places")) md += " Places: " + g["scopes"]["places"]["definition"].get<std::string>() + ".";
  if (g["windows_overlap"].get<bool>()) md += " Note: the goal window has grown into the baseline window.";
  if (g["baseline_before_data"].get<bool>()) md += " Note: the incidents start after the baseline window does.";
  return md + "\n\n";
}

}  // namespace rtm::pipeline
