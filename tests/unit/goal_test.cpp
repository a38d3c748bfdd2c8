// The goal ([goal] in the study file): ISO week alignment, the windows, and
// progress on hand-made histories whose figures are worked out by hand below.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "pipeline/goal.hpp"
#include "pipeline/study_config.hpp"
#include "test_support.hpp"

using rtm::pipeline::GoalConfig;
using rtm::pipeline::GoalIncident;

namespace {

std::int64_t at(const char* text) {
  auto t = rtm::parse_civil_time(text, "iso");
  REQUIRE(t);
  return *t;
}

GoalConfig goal(double reduction, std::int64_t baseline_year, const char* start) {
  GoalConfig g;
  g.enabled = true;
  g.reduction = reduction;
  g.baseline_year = baseline_year;
  g.start = start;
  g.start_s = at(start);
  return g;
}

const std::string kPath = "/tmp/rtm-unit/cfg/study.toml";
const std::string kStudy =
    "[study]\nname = \"unit\"\nblock_length_m = 200\n[study.area]\nsource = \"area.geojson\"\n"
    "[incidents]\nsource = \"inc.csv\"\nx = \"lon\"\ny = \"lat\"\ncrs = \"EPSG:4326\"\ndate_column = \"date\"\n";

std::string config_error(const std::string& text) { return rtm_test::config_error(text, kPath); }

}  // namespace

TEST_CASE("goal: ISO week dates", "[goal]") {
  struct Row {
    const char* day;
    int year, week, weekday;
  };
  // Checked against a calendar (and Python's date.isocalendar()).
  for (const Row& r : {Row{"2018-01-01", 2018, 1, 1}, Row{"2017-01-01", 2016, 52, 7}, Row{"2017-01-02", 2017, 1, 1},
                       Row{"2018-12-31", 2019, 1, 1}, Row{"2016-01-01", 2015, 53, 5}, Row{"2021-01-03", 2020, 53, 7},
                       Row{"2018-03-04", 2018, 9, 7}, Row{"1969-12-31", 1970, 1, 3}}) {
    INFO(r.day);
    const auto w = rtm::pipeline::iso_week_date(at(r.day));
    CHECK(w.year == r.year);
    CHECK(w.week == r.week);
    CHECK(w.weekday == r.weekday);
    CHECK(rtm::pipeline::from_iso_week_date(r.year, r.week, r.weekday) == at(r.day));
  }
  CHECK(rtm::pipeline::iso_weeks_in_year(2015) == 53);
  CHECK(rtm::pipeline::iso_weeks_in_year(2017) == 52);
  CHECK(rtm::pipeline::iso_weeks_in_year(2020) == 53);
  CHECK(rtm::pipeline::iso_weeks_in_year(2026) == 53);
  CHECK_FALSE(rtm::pipeline::from_iso_week_date(2017, 53, 1).has_value());
}

TEST_CASE("goal: progress on a hand-made history (one year back)", "[goal]") {
  // Goal: 25 % fewer than the same ISO weeks of 2017, from Monday 2018-01-01
  // (2018-W01-1). 2017-W01-1 is 2017-01-02, so the baseline is 52 weeks
  // (364 days) back. As of 2018-01-15: goal window 2018-01-01 .. 2018-01-14,
  // baseline 2017-01-02 .. 2017-01-15.
  const GoalConfig g = goal(0.25, 2017, "2018-01-01");
  const std::vector<GoalIncident> history{
      {at("2017-01-01 23:00"), true},   // before the baseline window
      {at("2017-01-02 00:00"), true},   // baseline, place
      {at("2017-01-05 12:00"), false},  // baseline
      {at("2017-01-08 03:00"), true},   // baseline, place
      {at("2017-01-09 10:00"), false},  // baseline
      {at("2017-01-10 22:00"), true},   // baseline, place
      {at("2017-01-12 08:00"), false},  // baseline
      {at("2017-01-14 14:00"), false},  // baseline
      {at("2017-01-15 23:59:59"), true},  // baseline, place (last second)
      {at("2017-01-16 00:00"), true},   // after the baseline window
      {at("2017-12-31 23:59"), true},   // before the goal window
      {at("2018-01-01 00:00"), true},   // goal, place
      {at("2018-01-03 09:00"), false},  // goal
      {at("2018-01-07 19:00"), true},   // goal, place
      {at("2018-01-11 01:00"), false},  // goal
      {at("2018-01-14 23:00"), true},   // goal, place
      {at("2018-01-15 00:00"), true},   // the as-of day: not counted
  };
  const auto j = rtm::pipeline::goal_progress(g, at("2018-01-15"), history, "assault", 2, 7);
  CHECK(j["status"] == "tracking");
  CHECK(j["window"]["start"] == "2018-01-01");
  CHECK(j["window"]["end"] == "2018-01-14");
  CHECK(j["window"]["days"] == 14);
  CHECK(j["baseline_window"]["start"] == "2017-01-02");
  CHECK(j["baseline_window"]["end"] == "2017-01-15");
  CHECK(j["windows_overlap"] == false);
  const auto& city = j["scopes"]["citywide"];
  CHECK(city["baseline"] == 8);
  CHECK(city["observed"] == 5);
  CHECK(city["target"].get<double>() == Approx(6.0));       // 8 x 0.75
  CHECK(city["change_percent"].get<double>() == Approx(-37.5));  // (5 - 8) / 8
  CHECK(city["on_track"] == true);
  const auto& places = j["scopes"]["places"];
  CHECK(places["baseline"] == 4);
  CHECK(places["observed"] == 3);
  CHECK(places["target"].get<double>() == Approx(3.0));     // 4 x 0.75
  CHECK(places["change_percent"].get<double>() == Approx(-25.0));
  CHECK(places["on_track"] == true);                        // exactly on target
  CHECK(places["places"] == 2);
  CHECK(places["cells"] == 7);
  const std::string line = rtm::pipeline::goal_line(j);
  CHECK(line.find("Citywide 5 vs 8 (-37.5 %; target at most 6.0): on track") != std::string::npos);
  CHECK(line.find("; in the 2 places 3 vs 4 (-25.0 %; target at most 3.0): on track") != std::string::npos);
  const std::string md = rtm::pipeline::goal_markdown(j);
  CHECK(md.find("| citywide | 8 | 6.0 | 5 | -37.5 % | yes |") != std::string::npos);
}

TEST_CASE("goal: ISO alignment several years back, off track", "[goal]") {
  // 10 % fewer than 2015, from 2018-01-01: 2015-W01-1 is 2014-12-29, 157 weeks
  // (1099 days) back. As of 2018-01-15 the baseline is 2014-12-29 .. 2015-01-11
  // (calendar alignment would have used 2015-01-01 .. 2015-01-14).
  const GoalConfig g = goal(0.10, 2015, "2018-01-01");
  const std::vector<GoalIncident> history{
      {at("2014-12-28 12:00"), false},  // before
      {at("2014-12-29 00:30"), false},  // baseline
      {at("2015-01-11 23:00"), false},  // baseline
      {at("2015-01-12 01:00"), false},  // after (calendar alignment would count it)
      {at("2018-01-02 10:00"), false},
      {at("2018-01-02 11:00"), false},
      {at("2018-01-10 12:00"), false},
  };
  auto city_only = g;
  city_only.places = false;
  const auto j = rtm::pipeline::goal_progress(city_only, at("2018-01-15"), history, "assault", 0, 0);
  CHECK(j["baseline_window"]["start"] == "2014-12-29");
  CHECK(j["baseline_window"]["end"] == "2015-01-11");
  CHECK_FALSE(j["scopes"].contains("places"));
  const auto& city = j["scopes"]["citywide"];
  CHECK(city["baseline"] == 2);
  CHECK(city["observed"] == 3);
  CHECK(city["target"].get<double>() == Approx(1.8));
  CHECK(city["change_percent"].get<double>() == Approx(50.0));
  CHECK(city["on_track"] == false);
  CHECK(rtm::pipeline::goal_windows(g, at("2018-01-15")).shift_days == 1099);
}

TEST_CASE("goal: not started, and an empty baseline", "[goal]") {
  const GoalConfig g = goal(0.2, 2017, "2018-01-01");
  const std::vector<GoalIncident> history{{at("2018-01-02 10:00"), true}};
  const auto before = rtm::pipeline::goal_progress(g, at("2018-01-01"), history, "assault", 1, 1);
  CHECK(before["status"] == "not started");
  CHECK(before["scopes"]["citywide"]["on_track"].is_null());
  CHECK(before["window"]["end"].is_null());
  const auto j = rtm::pipeline::goal_progress(g, at("2018-01-08"), history, "assault", 1, 1);
  CHECK(j["scopes"]["citywide"]["baseline"] == 0);
  CHECK(j["scopes"]["citywide"]["change_percent"].is_null());  // no baseline to compare with
  CHECK(j["scopes"]["citywide"]["on_track"] == false);          // 1 > 0
  CHECK(j["baseline_before_data"] == true);
}

TEST_CASE("goal: the [goal] table and its errors", "[goal][config]") {
  auto c = rtm::pipeline::parse_study_config(kStudy + "[goal]\nreduction = 0.2\nbaseline_year = 2017\n", kPath);
  CHECK(c.goal.enabled);
  CHECK(c.goal.reduction == 0.2);
  CHECK(c.goal.start == "2018-01-01");  // Monday of 2018-W01
  CHECK(c.goal.citywide);
  CHECK(c.goal.places);
  c = rtm::pipeline::parse_study_config(
      kStudy + "[goal]\nreduction = 0.2\nbaseline_year = 2018\nscope = [\"places\"]\n", kPath);
  CHECK(c.goal.start == "2018-12-31");  // Monday of 2019-W01
  CHECK_FALSE(c.goal.citywide);
  CHECK(c.goal.places);
  CHECK_FALSE(rtm::pipeline::parse_study_config(kStudy, kPath).goal.enabled);

  const std::string head = kStudy + "[goal]\n";  // line 12
  CHECK(config_error(head + "reduction = 20\nbaseline_year = 2017\n") ==
        kPath + ":13: goal.reduction: expected a fraction between 0 and 1, e.g. 0.20 for 20 % fewer, found 20 "
                "(a fraction: 20 % fewer is reduction = 0.2)");
  CHECK(config_error(head + "reduction = \"20%\"\nbaseline_year = 2017\n") ==
        kPath + ":13: goal.reduction: expected a number, found a string");
  CHECK(config_error(head + "reduction = 0.2\nbaseline_yaer = 2017\n").find(
            "goal.baseline_year: missing (the year whose same weeks the counts are compared with, e.g. baseline_year "
            "= 2017) (found unknown key goal.baseline_yaer on line 14: did you mean 'baseline_year'?)") !=
        std::string::npos);
  CHECK(config_error(head + "reduction = 0.2\nbaseline_year = 2017\nscope = [\"city\", \"places\"]\n") ==
        kPath + ":15: goal.scope: expected \"citywide\" or \"places\", found \"city\" (did you mean \"citywide\"?)");
  CHECK(config_error(head + "reduction = 0.2\nbaseline_year = 2017\nscope = \"places\"\n") ==
        kPath + ":15: goal.scope: expected a list of \"citywide\" and \"places\", found a string (write scope = "
                "[\"places\"])");
  CHECK(config_error(head + "reduction = 0.2\nbaseline_year = 2017\nscope = [\"places\", \"places\"]\n") ==
        kPath + ":15: goal.scope: \"places\" is listed twice");
  CHECK(config_error(head + "reduction = 0.2\nbaseline_year = 2017\nstart = 2017-06-05\n") ==
        kPath + ":15: goal.start: expected a date after baseline_year 2017, found 2017-06-05 (ISO year 2017)");
  CHECK(config_error(head + "reduction = 0.2\nbaseline_year = 2019\nstart = 2020-12-31\n") ==
        kPath + ":15: goal.start: 2020-12-31 is in ISO week 53 of 2020, which baseline_year 2019 does not have: "
                "start a week earlier or later");
  CHECK(config_error(head + "reduction = 0.2\nbaseline_year = 2017\nweeks = 4\n").find(
            ":15: unknown key goal.weeks") != std::string::npos);
  std::string undated = kStudy;
  undated.replace(undated.find("date_column = \"date\"\n"), 21, "");
  CHECK(config_error(undated + "[goal]\nreduction = 0.2\nbaseline_year = 2017\n").find(
            "goal.reduction: a goal compares weeks, so it needs dated incidents: set incidents.date_column") !=
        std::string::npos);
  CHECK(config_error(kStudy + "[model]\nmode = \"additive\"\n[goal]\nreduction = 0.2\nbaseline_year = 2017\n")
            .find("goal.scope: \"places\" needs the high-risk places of model mode \"rtm\"") != std::string::npos);
}
