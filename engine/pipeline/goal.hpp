#pragma once
// A measurable goal (DOJ Violent Crime Reduction Roadmap, action 1): "R fewer
// incidents than the same weeks of BASELINE_YEAR", tracked on every run.
//
// Windows, in civil days (half-open):
//   goal window      [start, as_of)          the weeks so far, up to the run's as-of date
//   baseline window  [start - s, as_of - s)  the same ISO weeks of the baseline year
// where s is the whole number of weeks that takes `start` to the day with the
// same ISO week number and weekday in ISO year `baseline_year`. Aligning by ISO
// week (not by calendar date) keeps the same number of each weekday in both
// windows: incidents follow the week (weekends differ from weekdays), and the
// weekly runs are whole weeks.
// Target = baseline count x (1 - reduction); on track = observed <= target.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/study_config.hpp"

namespace rtm::pipeline {

// ISO 8601 week date of a civil day (seconds at or after its midnight).
struct IsoWeekDate {
  int year = 0;
  int week = 0;     // 1..53
  int weekday = 0;  // 1 = Monday .. 7 = Sunday
};
IsoWeekDate iso_week_date(std::int64_t day_s);
// The midnight (seconds) of an ISO week date; nothing when the year has no such week.
std::optional<std::int64_t> from_iso_week_date(int year, int week, int weekday);
int iso_weeks_in_year(int year);

struct GoalWindows {
  std::int64_t start_s = 0, end_s = 0;                    // [start, as_of)
  std::int64_t baseline_start_s = 0, baseline_end_s = 0;  // shifted back
  std::int64_t shift_days = 0;                            // a multiple of 7
  bool started = false;                                   // as_of > start
};
// Throws ConfigError when the start's ISO week does not exist in the baseline year.
GoalWindows goal_windows(const GoalConfig& goal, std::int64_t as_of_s);

// One dated incident, as the goal sees it: every incident passed is inside a
// study cell (citywide); `in_places` when its cell belongs to a place of the run.
struct GoalIncident {
  std::int64_t time_s = 0;
  bool in_places = false;
};

// The report.json "goal" section: windows, and per scope the baseline count,
// target, observed count, percent change and whether it is on track.
// `places` and `place_cells` describe the run's places (for the text).
nlohmann::json goal_progress(const GoalConfig& goal, std::int64_t as_of_s, const std::vector<GoalIncident>& incidents,
                             const std::string& crime_type, std::int64_t places, std::int64_t place_cells);

// The "## Goal" section of summary.md, and one line for the briefing.
std::string goal_markdown(const nlohmann::json& goal);
std::string goal_line(const nlohmann::json& goal);

}  // namespace rtm::pipeline
